#!/usr/bin/env bash
# ratelimit Phase 2 - Batch 2: middleware and tests (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/ratelimit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-middleware.md > _build/logs/b2-middleware.jsonl 2> _build/logs/b2-middleware.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-tests.md > _build/logs/b2-tests.jsonl 2> _build/logs/b2-tests.err &
wait

{ echo '$ python -m py_compile ratelimit/middleware.py'; python -m py_compile ratelimit/middleware.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m pytest -q tests/test_limiter.py'; python -m pytest -q tests/test_limiter.py; } 2>&1 | tee -a _build/validation-batch2.txt
echo "Batch 2 done"
