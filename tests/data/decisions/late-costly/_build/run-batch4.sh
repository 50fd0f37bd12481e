#!/usr/bin/env bash
# etlkit Phase 4 - Batch 4: pipeline (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/etlkit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b4-pipeline.md > _build/logs/b4-pipeline.jsonl 2> _build/logs/b4-pipeline.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b4-config.md > _build/logs/b4-config.jsonl 2> _build/logs/b4-config.err &
wait

{ echo '$ python -m py_compile etlkit/pipeline.py'; python -m py_compile etlkit/pipeline.py; } 2>&1 | tee -a _build/validation-batch4.txt
{ echo '$ python -m py_compile etlkit/config.py'; python -m py_compile etlkit/config.py; } 2>&1 | tee -a _build/validation-batch4.txt
echo "Batch 4 done"
