#!/usr/bin/env bash
# focusnote Phase 2 - Batch 2: notify and stats (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/focusnote"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-notify.md > _build/logs/b2-notify.jsonl 2> _build/logs/b2-notify.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b2-stats.md > _build/logs/b2-stats.jsonl 2> _build/logs/b2-stats.err &
wait

{ echo '$ python -m py_compile focusnote/notify.py'; python -m py_compile focusnote/notify.py; } 2>&1 | tee -a _build/validation-batch2.txt
{ echo '$ python -m py_compile focusnote/stats.py'; python -m py_compile focusnote/stats.py; } 2>&1 | tee -a _build/validation-batch2.txt
echo "Batch 2 done"
