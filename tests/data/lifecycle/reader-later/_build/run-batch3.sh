#!/usr/bin/env bash
# invoicekit Phase 4 - Batch 3: totals and CSV export (jobs in parallel, then py_compile of what they wrote)
set -u
ROOT="/home/dev/invoicekit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-totals.md > _build/logs/b3-totals.jsonl 2> _build/logs/b3-totals.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-csv.md > _build/logs/b3-csv.jsonl 2> _build/logs/b3-csv.err &
wait

{ echo '$ python -m py_compile invoicekit/totals.py'; python -m py_compile invoicekit/totals.py; } 2>&1 | tee -a _build/validation-batch3.txt
{ echo '$ python -m py_compile invoicekit/csv_export.py'; python -m py_compile invoicekit/csv_export.py; } 2>&1 | tee -a _build/validation-batch3.txt
echo "Batch 3 done"
