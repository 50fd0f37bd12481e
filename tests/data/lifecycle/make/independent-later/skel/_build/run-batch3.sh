#!/usr/bin/env bash
# readlist Phase 2 - Batch 3: run all jobs in parallel, keep a joblog, then compile what they wrote
cd /home/dev/readlist
mkdir -p _build/logs
parallel -j4 --joblog _build/joblog-batch3.tsv < _build/batch3.cmds
{ echo '$ python -m py_compile readlist/shelves.py'; python -m py_compile readlist/shelves.py; } 2>&1 | tee -a _build/validation-batch3.txt
{ echo '$ python -m py_compile readlist/tags.py'; python -m py_compile readlist/tags.py; } 2>&1 | tee -a _build/validation-batch3.txt
