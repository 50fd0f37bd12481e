#!/usr/bin/env bash
# invoicekit Phase 4 - Batch 2: tax and storage (jobs in parallel, then py_compile of what they wrote)
set -u
ROOT="/home/dev/invoicekit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-tax.md > _build/logs/b2-tax.jsonl 2> _build/logs/b2-tax.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-store.md > _build/logs/b2-store.jsonl 2> _build/logs/b2-store.err &
wait

{ echo '$ python -m py_compile invoicekit/tax.py'; python -m py_compile invoicekit/tax.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m py_compile invoicekit/store.py'; python -m py_compile invoicekit/store.py; } 2>&1 | tee -a _build/validation-batch2.txt
echo "Batch 2 done"
