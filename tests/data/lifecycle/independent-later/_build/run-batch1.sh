#!/usr/bin/env bash
# readlist Phase 2 - Batch 1: run all jobs in parallel, keep a joblog, then compile what they wrote
cd /home/dev/readlist
mkdir -p _build/logs
parallel -j4 --joblog _build/joblog-batch1.tsv < _build/batch1.cmds
{ echo '$ python -m py_compile readlist/model.py'; python -m py_compile readlist/model.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile readlist/storage.py'; python -m py_compile readlist/storage.py; } 2>&1 | tee -a _build/validation-batch1.txt
