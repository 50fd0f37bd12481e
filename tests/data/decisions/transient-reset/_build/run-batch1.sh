#!/usr/bin/env bash
# focusnote Phase 2 - Batch 1: sessions (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/focusnote"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-session.md > _build/logs/b1-session.jsonl 2> _build/logs/b1-session.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b1-timer.md > _build/logs/b1-timer.jsonl 2> _build/logs/b1-timer.err &
wait

{ echo '$ python -m py_compile focusnote/session.py'; python -m py_compile focusnote/session.py; } 2>&1 | tee -a _build/validation-batch1.txt
{ echo '$ python -m py_compile focusnote/timer.py'; python -m py_compile focusnote/timer.py; } 2>&1 | tee -a _build/validation-batch1.txt
echo "Batch 1 done"
