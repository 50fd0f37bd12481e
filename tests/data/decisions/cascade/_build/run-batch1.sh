#!/usr/bin/env bash
# shop Phase 3 - Batch 1: models and storage (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/shop"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-models.md > _build/logs/b1-models.jsonl 2> _build/logs/b1-models.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-db.md > _build/logs/b1-db.jsonl 2> _build/logs/b1-db.err &
wait

{ echo '$ python -m py_compile shop/models.py'; python -m py_compile shop/models.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile shop/db.py'; python -m py_compile shop/db.py; } 2>&1 | tee -a _build/validation-batch1.txt
echo "Batch 1 done"
