#!/usr/bin/env bash
# invoicekit Phase 4 - Batch 5: command line (jobs in parallel, then py_compile of what they wrote)
set -u
ROOT="/home/dev/invoicekit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b5-cli.md > _build/logs/b5-cli.jsonl 2> _build/logs/b5-cli.err &
wait

{ echo '$ python -m py_compile invoicekit/cli.py'; python -m py_compile invoicekit/cli.py; } 2>&1 | tee -a _build/validation-batch5.txt
echo "Batch 5 done"
