#!/usr/bin/env bash
# notely Phase 2 - Batch 4: cli (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/notely"
cd "$ROOT"
mkdir -p _build/logs

parallel --timeout 4 --joblog _build/joblog-batch4.tsv -j 4 < _build/batch4.cmds

{ echo '$ python -m py_compile notely/cli.py'; python -m py_compile notely/cli.py; } 2>&1 | tee -a _build/validation-batch4.txt
echo "Batch 4 done"
