#!/usr/bin/env bash
# The runner these tables come from: reads jobs.tsv, runs one `codex exec` per row, writes
# summary.tsv (id, exit code, wall seconds). `timeout 600` gives exit 124 on a hung job.
set -u
printf 'id\texit_code\tseconds\n' > summary.tsv
tail -n +2 jobs.tsv | while IFS=$'\t' read -r id prompt workdir log last; do
  start=$(date +%s)
  timeout 600 codex exec --json --full-auto -C "$workdir" -o "$last" - < "$prompt" > "$log" 2>&1
  code=$?
  printf '%s\t%s\t%s\n' "$id" "$code" "$(( $(date +%s) - start ))" >> summary.tsv
done
