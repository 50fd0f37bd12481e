#!/usr/bin/env bash
# ratelimit Phase 2 - Batch 1: core (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/ratelimit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-limiter.md > _build/logs/b1-limiter.jsonl 2> _build/logs/b1-limiter.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-clock.md > _build/logs/b1-clock.jsonl 2> _build/logs/b1-clock.err &
wait

{ echo '$ python -m py_compile ratelimit/limiter.py'; python -m py_compile ratelimit/limiter.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile ratelimit/clock.py'; python -m py_compile ratelimit/clock.py; } 2>&1 | tee -a _build/validation-batch1.txt
echo "Batch 1 done"
