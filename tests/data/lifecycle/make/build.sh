#!/usr/bin/env bash
# Rebuild one lifecycle scenario: lay its skeleton (prompts, batch scripts, package stub) at the
# project path it names, run the batches it lists exactly as a user would (their own scripts,
# GNU parallel for the command lists), with make/bin/codex standing in for `codex exec --json`,
# then copy what the run left on disk to tests/data/lifecycle/<scenario>.
#   bash tests/data/lifecycle/make/build.sh reader-later
# Needs: bash, python3 (as `python` too), GNU parallel for the scenarios that use joblogs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
name="$1"
src="$here/$name"
root="$(cat "$src/project")"
dest="$here/../$name"

rm -rf "$root"
mkdir -p "$(dirname "$root")"
cp -r "$src/skel" "$root"
export PATH="$here/bin:$PATH"
export FAKE_CODEX_AGENTS="$src/agents.json"
cd "$root"
while read -r cmd; do
  [ -z "$cmd" ] && continue
  echo "+ $cmd"
  bash -c "$cmd" || echo "  (exit $?)"
done < "$src/run"
find "$root" -name __pycache__ -type d -prune -exec rm -rf {} +
rm -rf "$dest"
cp -r "$root" "$dest"
echo "built $dest"
