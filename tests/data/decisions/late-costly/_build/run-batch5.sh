#!/usr/bin/env bash
# etlkit Phase 4 - Batch 5: cli and docs (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/etlkit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b5-cli.md > _build/logs/b5-cli.jsonl 2> _build/logs/b5-cli.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b5-docs.md > _build/logs/b5-docs.jsonl 2> _build/logs/b5-docs.err &
wait

{ echo '$ python -m py_compile etlkit/cli.py'; python -m py_compile etlkit/cli.py; } 2>&1 | tee -a _build/validation-batch5.txt
{ echo '$ python -m py_compile etlkit/README_USAGE.py'; python -m py_compile etlkit/README_USAGE.py; } 2>&1 | tee -a _build/validation-batch5.txt
echo "Batch 5 done"
