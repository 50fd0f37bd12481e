#!/usr/bin/env bash
# Regenerate the text captures of the app shown in the README (assets/screenshots/*.txt):
# the real binary on the bundled demo, in a tmux pane, one capture per screen at 120x40,
# the Decision flowchart after an override, and the two first screens at 80x24.
#
#   scripts/screenshots.sh            # builds target/release/recover-tui if needed
#
# Needs tmux. Every capture waits for a text of its screen to show (never a fixed sleep).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/target/release/recover-tui"
out="$root/assets/screenshots"
session="recover-shots-$$"

command -v tmux >/dev/null || { echo "screenshots.sh: tmux is needed" >&2; exit 2; }
[ -x "$bin" ] || (cd "$root" && cargo build --release --quiet)
mkdir -p "$out"

cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; }
trap cleanup EXIT

# wait_for TEXT: until TEXT is on the pane (10 s at most).
wait_for() {
  for _ in $(seq 1 200); do
    if tmux capture-pane -p -t "$session" | grep -qF -- "$1"; then
      return 0
    fi
    sleep 0.05
  done
  echo "screenshots.sh: '$1' never showed; the pane was:" >&2
  tmux capture-pane -p -t "$session" >&2
  exit 1
}

# shot NAME: the pane, without trailing blanks, into assets/screenshots/NAME.txt.
shot() {
  tmux capture-pane -p -t "$session" | sed -e 's/[[:space:]]*$//' >"$out/$1.txt"
  echo "wrote assets/screenshots/$1.txt"
}

# open W H: the demo in a fresh pane of W x H, on its first screen.
open() {
  cleanup
  tmux new-session -d -s "$session" -x "$1" -y "$2" "cd /tmp && NO_COLOR=1 '$bin' --demo"
  wait_for "in progress"
  wait_for "Why it failed"
}

# press KEY TEXT NAME: press KEY, wait for TEXT, capture NAME.
press() {
  tmux send-keys -t "$session" "$1"
  wait_for "$2"
  shot "$3"
}

open 120 40
shot overview
press 2 "Decision flow (" decision
press 3 "Failure boundary identified" checklist
press 4 "Recovery sends" prompt
press 5 "Steps" run
tmux send-keys -t "$session" 6
wait_for "Snapshots (Enter"
# A snapshot of the failed job's output, and its diff against now.
tmux send-keys -t "$session" s
wait_for "before recovery"
press Enter "No change since this snapshot" snapshots
press 7 "Journal" log
# The flowchart after an override: Q3 answered "yes" makes rule 2 decide a full restart.
tmux send-keys -t "$session" 2 j j Space
wait_for "Override Q3"
tmux send-keys -t "$session" -l "the specification names the wrong module"
tmux send-keys -t "$session" Enter
wait_for "verdict now full_restart"
shot decision-overridden
tmux send-keys -t "$session" q

open 80 24
shot overview-80x24
press 2 "Decision flow" decision-80x24
tmux send-keys -t "$session" q

# The README shows each capture in the code block after its `<!-- screenshot: NAME -->` line.
readme="$root/README.md"
awk -v dir="$out" '
  skipping && /^```$/ { skipping = 0; next }
  skipping { next }
  match($0, /^<!-- screenshot: [a-z0-9-]+ -->$/) {
    print
    name = $0; sub(/^<!-- screenshot: /, "", name); sub(/ -->$/, "", name)
    print "```text"
    while ((getline line < (dir "/" name ".txt")) > 0) print line
    close(dir "/" name ".txt")
    print "```"
    getline; if ($0 != "```text") { print; next }
    skipping = 1
    next
  }
  { print }
' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
echo "updated README.md"
