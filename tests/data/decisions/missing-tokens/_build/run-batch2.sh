#!/usr/bin/env bash
# notely Phase 2 - Batch 2: index and tags (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/notely"
cd "$ROOT"
mkdir -p _build/logs

parallel --timeout 4 --joblog _build/joblog-batch2.tsv -j 4 < _build/batch2.cmds

{ echo '$ python -m py_compile notely/index.py'; python -m py_compile notely/index.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m py_compile notely/tags.py'; python -m py_compile notely/tags.py; } 2>&1 | tee -a _build/validation-batch2.txt
echo "Batch 2 done"
