#!/usr/bin/env bash
# etlkit Phase 4 - Batch 2: transforms (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/etlkit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-clean.md > _build/logs/b2-clean.jsonl 2> _build/logs/b2-clean.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-dedupe.md > _build/logs/b2-dedupe.jsonl 2> _build/logs/b2-dedupe.err &
wait

{ echo '$ python -m py_compile etlkit/transforms/clean.py'; python -m py_compile etlkit/transforms/clean.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m py_compile etlkit/transforms/dedupe.py'; python -m py_compile etlkit/transforms/dedupe.py; } 2>&1 | tee -a _build/validation-batch2.txt
echo "Batch 2 done"
