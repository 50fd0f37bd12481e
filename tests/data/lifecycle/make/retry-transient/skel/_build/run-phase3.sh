#!/usr/bin/env bash
# focustimer Phase 3: batches 1-3, each through GNU parallel with a joblog, then py_compile.
# Usage: bash _build/run-phase3.sh [FIRST_BATCH]
set -u
cd /home/dev/focustimer
mkdir -p _build/logs
for n in $(seq "${1:-1}" 3); do
  echo "Batch $n"
  parallel -j3 --joblog "_build/logs/joblog-batch$n.tsv" < "_build/batch$n.txt"
  for f in $(sed -n 's/^File to create: //p' _build/prompts/b$n-*.md); do
    { echo "\$ python -m py_compile $f"; python -m py_compile "$f"; } 2>&1 | tee -a "_build/logs/validate-batch$n.txt"
  done
done
