#!/usr/bin/env bash
# shop Phase 3 - Batch 3: invoices (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/shop"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-invoices.md > _build/logs/b3-invoices.jsonl 2> _build/logs/b3-invoices.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-invoices-tests.md > _build/logs/b3-invoices-tests.jsonl 2> _build/logs/b3-invoices-tests.err &
wait

{ echo '$ python -m py_compile shop/invoices.py'; python -m py_compile shop/invoices.py; } 2>&1 | tee -a _build/validation-batch3.txt
{ echo '$ python -m pytest -q tests/test_invoices.py'; python -m pytest -q tests/test_invoices.py; } 2>&1 | tee -a _build/validation-batch3.txt
echo "Batch 3 done"
