#!/usr/bin/env bash
# readlist Phase 2 - Batch 2: run all jobs in parallel, keep a joblog, then compile what they wrote
cd /home/dev/readlist
mkdir -p _build/logs
parallel -j4 --joblog _build/joblog-batch2.tsv < _build/batch2.cmds
{ echo '$ python -m py_compile readlist/importer.py'; python -m py_compile readlist/importer.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m py_compile readlist/stats.py'; python -m py_compile readlist/stats.py; } 2>&1 | tee -a _build/validation-batch2.txt
