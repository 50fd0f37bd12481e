#!/usr/bin/env bash
# shelfie Phase 1 - Batch 2: api and search (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/shelfie"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-api.md > _build/logs/b2-api.jsonl 2> _build/logs/b2-api.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-search.md > _build/logs/b2-search.jsonl 2> _build/logs/b2-search.err &
wait

{ echo '$ python -m py_compile shelfie/api.py'; python -m py_compile shelfie/api.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m py_compile shelfie/search.py'; python -m py_compile shelfie/search.py; } 2>&1 | tee -a _build/validation-batch2.txt
echo "Batch 2 done"
