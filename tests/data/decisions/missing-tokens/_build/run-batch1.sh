#!/usr/bin/env bash
# notely Phase 2 - Batch 1: model and storage (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/notely"
cd "$ROOT"
mkdir -p _build/logs

parallel --timeout 4 --joblog _build/joblog-batch1.tsv -j 4 < _build/batch1.cmds

{ echo '$ python -m py_compile notely/model.py'; python -m py_compile notely/model.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile notely/store.py'; python -m py_compile notely/store.py; } 2>&1 | tee -a _build/validation-batch1.txt
echo "Batch 1 done"
