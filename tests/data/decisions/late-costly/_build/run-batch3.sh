#!/usr/bin/env bash
# etlkit Phase 4 - Batch 3: sinks (jobs in parallel, then validation of what they wrote)
set -u
ROOT="/home/dev/etlkit"
cd "$ROOT"
mkdir -p _build/logs

codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-sqlite.md > _build/logs/b3-sqlite.jsonl 2> _build/logs/b3-sqlite.err &
codex exec --json --full-auto -C "$ROOT" - < _build/prompts/b3-parquet.md > _build/logs/b3-parquet.jsonl 2> _build/logs/b3-parquet.err &
wait

{ echo '$ python -m py_compile etlkit/sinks/sqlite_sink.py'; python -m py_compile etlkit/sinks/sqlite_sink.py; } 2>&1 | tee -a _build/validation-batch3.txt
{ echo '$ python -m py_compile etlkit/sinks/parquet_sink.py'; python -m py_compile etlkit/sinks/parquet_sink.py; } 2>&1 | tee -a _build/validation-batch3.txt
echo "Batch 3 done"
