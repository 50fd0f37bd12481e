#!/usr/bin/env bash
# ratelimit Phase 2 - Batch 3: docs (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/ratelimit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-docs.md > _build/logs/b3-docs.jsonl 2> _build/logs/b3-docs.err &
wait

{ echo '$ python -m py_compile docs/USAGE.md'; python -m py_compile docs/USAGE.md; } 2>&1 | tee -a _build/validation-batch3.txt
echo "Batch 3 done"
