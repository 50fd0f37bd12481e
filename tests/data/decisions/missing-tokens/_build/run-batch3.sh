#!/usr/bin/env bash
# notely Phase 2 - Batch 3: import and export (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/notely"
cd "$ROOT"
mkdir -p _build/logs

parallel --timeout 4 --joblog _build/joblog-batch3.tsv -j 4 < _build/batch3.cmds

{ echo '$ python -m py_compile notely/importer.py'; python -m py_compile notely/importer.py; } 2>&1 | tee -a _build/validation-batch3.txt
{ echo '$ python -m py_compile notely/exporter.py'; python -m py_compile notely/exporter.py; } 2>&1 | tee -a _build/validation-batch3.txt
echo "Batch 3 done"
