#!/usr/bin/env bash
# focusnote Phase 2 - Batch 3: cli (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/focusnote"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-cli.md > _build/logs/b3-cli.jsonl 2> _build/logs/b3-cli.err &
wait

{ echo '$ python -m py_compile focusnote/cli.py'; python -m py_compile focusnote/cli.py; } 2>&1 | tee -a _build/validation-batch3.txt
echo "Batch 3 done"
