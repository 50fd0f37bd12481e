#!/usr/bin/env bash
# Stand-in for `codex exec --json`: replays a recorded stream chosen by the prompt, exits as codex does.
F=/work/readers/tests/data/formats/codex_json
case "$*" in
  *lexer*) cat /work/readers/tests/data/formats/codex_exec_json_ok.jsonl; exit 0;;
  *parser*) cat $F/usage_limit.jsonl; exit 1;;
  *eval*) head -n 3 $F/interrupted.jsonl; sleep 5; exit 0;;
esac
