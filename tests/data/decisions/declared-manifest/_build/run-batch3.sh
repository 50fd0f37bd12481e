#!/usr/bin/env bash
# shelfie Phase 1 - Batch 3: report and cli (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/shelfie"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-report.md > _build/logs/b3-report.jsonl 2> _build/logs/b3-report.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-cli.md > _build/logs/b3-cli.jsonl 2> _build/logs/b3-cli.err &
wait

{ echo '$ python -m py_compile shelfie/report.py'; python -m py_compile shelfie/report.py; } 2>&1 | tee -a _build/validation-batch3.txt
{ echo '$ python -m py_compile shelfie/cli.py'; python -m py_compile shelfie/cli.py; } 2>&1 | tee -a _build/validation-batch3.txt
echo "Batch 3 done"
