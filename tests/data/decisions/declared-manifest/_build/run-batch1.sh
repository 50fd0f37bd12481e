#!/usr/bin/env bash
# shelfie Phase 1 - Batch 1: models and storage (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/shelfie"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-models.md > _build/logs/b1-models.jsonl 2> _build/logs/b1-models.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-storage.md > _build/logs/b1-storage.jsonl 2> _build/logs/b1-storage.err &
wait

{ echo '$ python -m py_compile shelfie/models.py'; python -m py_compile shelfie/models.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile shelfie/storage.py'; python -m py_compile shelfie/storage.py; } 2>&1 | tee -a _build/validation-batch1.txt
echo "Batch 1 done"
