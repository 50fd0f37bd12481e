#!/usr/bin/env bash
# etlkit Phase 4 - Batch 1: sources (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/etlkit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-csv.md > _build/logs/b1-csv.jsonl 2> _build/logs/b1-csv.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-json.md > _build/logs/b1-json.jsonl 2> _build/logs/b1-json.err &
wait

{ echo '$ python -m py_compile etlkit/sources/csv_source.py'; python -m py_compile etlkit/sources/csv_source.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile etlkit/sources/json_source.py'; python -m py_compile etlkit/sources/json_source.py; } 2>&1 | tee -a _build/validation-batch1.txt
echo "Batch 1 done"
