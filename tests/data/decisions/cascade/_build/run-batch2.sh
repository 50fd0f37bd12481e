#!/usr/bin/env bash
# shop Phase 3 - Batch 2: orders (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/shop"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-orders.md > _build/logs/b2-orders.jsonl 2> _build/logs/b2-orders.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-orders-tests.md > _build/logs/b2-orders-tests.jsonl 2> _build/logs/b2-orders-tests.err &
wait

{ echo '$ python -m py_compile shop/orders.py'; python -m py_compile shop/orders.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m pytest -q tests/test_orders.py'; python -m pytest -q tests/test_orders.py; } 2>&1 | tee -a _build/validation-batch2.txt
echo "Batch 2 done"
