#!/usr/bin/env bash
# invoicekit Phase 4 - Batch 1: data model and money (jobs in parallel, then py_compile of what they wrote)
set -u
ROOT="/home/dev/invoicekit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-models.md > _build/logs/b1-models.jsonl 2> _build/logs/b1-models.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-money.md > _build/logs/b1-money.jsonl 2> _build/logs/b1-money.err &
wait

{ echo '$ python -m py_compile invoicekit/models.py'; python -m py_compile invoicekit/models.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile invoicekit/money.py'; python -m py_compile invoicekit/money.py; } 2>&1 | tee -a _build/validation-batch1.txt
echo "Batch 1 done"
