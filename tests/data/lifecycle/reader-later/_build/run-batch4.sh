#!/usr/bin/env bash
# invoicekit Phase 4 - Batch 4: text renderer (jobs in parallel, then py_compile of what they wrote)
set -u
ROOT="/home/dev/invoicekit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b4-render.md > _build/logs/b4-render.jsonl 2> _build/logs/b4-render.err &
wait

{ echo '$ python -m py_compile invoicekit/render.py'; python -m py_compile invoicekit/render.py; } 2>&1 | tee -a _build/validation-batch4.txt
echo "Batch 4 done"
