#!/usr/bin/env bash
# Time whole recover-tui commands against the tools a user would otherwise reach for, in the
# same run, on generated runs; write BENCHMARKS.md (DESIGN.md §17, issue 7).
#
# Run from the repository root:   scripts/bench.sh
#
# Knobs (environment variables):
#   LOG_GB=2          total size of the codex JSONL logs of the ingest run (GB, 10^9 bytes)
#   INGEST_BATCHES=10 INGEST_JOBS=20   shape of the ingest run (log size per job follows)
#   PLAN_BATCHES=200 PLAN_JOBS=50      shape of the plan run (small logs)
#   SNAP_FILES=10000 SNAP_FILE_KB=105  output set of the snapshot benchmark (~1 GiB)
#   DIFF_LINES=100000                  lines of each file of the diff benchmark
#   RUNS=5 SLOW_RUNS=3                 timed runs per command (SLOW_RUNS for jq)
#   SNAP_ROUNDS=5                      rounds of cp -a / cp -a && sync / snapshot, interleaved
#   OUT=BENCHMARKS.md  KEEP=1 (keep the generated files)  BENCH_TMP=/tmp (where to generate)
#   NO_HYPERFINE=1     time with the built-in loop even when hyperfine is there
#
# Timing: hyperfine when available (installed with apt-get when missing and possible), else a
# loop timing each run with `date +%s%N`; medians everywhere. Peak RSS: /usr/bin/time -v.
# Timings live here and in benches/, never in unit tests.

set -euo pipefail

LOG_GB=${LOG_GB:-2}
INGEST_BATCHES=${INGEST_BATCHES:-10}
INGEST_JOBS=${INGEST_JOBS:-20}
PLAN_BATCHES=${PLAN_BATCHES:-200}
PLAN_JOBS=${PLAN_JOBS:-50}
SNAP_FILES=${SNAP_FILES:-10000}
SNAP_FILE_KB=${SNAP_FILE_KB:-105}
DIFF_LINES=${DIFF_LINES:-100000}
RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-3}
SNAP_ROUNDS=${SNAP_ROUNDS:-5}
OUT=${OUT:-BENCHMARKS.md}
SEED=${SEED:-1}

die() { echo "bench.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

[[ -f Cargo.toml ]] && grep -q '^name = "recover-tui"' Cargo.toml || die "run me from the recover-tui repository root"

# ---------------------------------------------------------------------------------------------
# Tools

apt_install() {
    # apt_install PACKAGE: install with apt-get when it exists and we may (root or sudo).
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=""
    [[ $(id -u) -eq 0 ]] || { command -v sudo >/dev/null 2>&1 && sudo="sudo -n"; } || return 1
    say "installing $1 with apt-get"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >/dev/null 2>&1 && return 0
    $sudo apt-get update >/dev/null 2>&1 || true
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >/dev/null 2>&1
}

if [[ ${NO_HYPERFINE:-0} != 1 ]]; then
    command -v hyperfine >/dev/null 2>&1 || apt_install hyperfine || say "hyperfine unavailable: using a timing loop"
fi
[[ -x /usr/bin/time ]] || apt_install time || die "/usr/bin/time is needed for peak RSS (package: time)"
command -v jq >/dev/null 2>&1 || apt_install jq || die "jq is needed (it is also the tool compared against)"
HAVE_HYPERFINE=0
[[ ${NO_HYPERFINE:-0} != 1 ]] && command -v hyperfine >/dev/null 2>&1 && HAVE_HYPERFINE=1

# ---------------------------------------------------------------------------------------------
# Build

say "building (release): recover-tui, gen-run, examples snapshot_bench and diff_bench"
cargo build --release --bin recover-tui --bin gen-run --example snapshot_bench --example diff_bench >&2
ROOT=$(pwd)
BIN=$ROOT/target/release
RT=$BIN/recover-tui
GEN=$BIN/gen-run
SNAP=$BIN/examples/snapshot_bench
DIFFB=$BIN/examples/diff_bench
HAVE_SNAPSHOT_CMD=0
"$RT" --help 2>/dev/null | grep -qE '^ +snapshot( |$)' && HAVE_SNAPSHOT_CMD=1

WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/recover-bench.XXXXXX")
cleanup() { [[ ${KEEP:-0} == 1 ]] && say "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
RESULTS=$WORK/results.tsv   # label \t median_s \t min_s \t max_s \t runs \t command
: > "$RESULTS"

# ---------------------------------------------------------------------------------------------
# Measuring

# record LABEL SHOWN CPU NS...: append the median, min and max of the run times NS
# (nanoseconds) to $RESULTS; CPU is the mean user+system time of a run in seconds, or "-".
record() {
    local label=$1 shown=$2 cpu=$3; shift 3
    printf '%s\n' "$@" | sort -n | L=$label C=$shown U=$cpu awk '
        { t[NR] = $1 / 1e9 }
        END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
              printf "%s\t%.6f\t%.6f\t%.6f\t%d\t%s\t%s\n", ENVIRON["L"], m, t[1], t[NR], NR, ENVIRON["C"], ENVIRON["U"] }' >> "$RESULTS"
}

# shown_cmd CMD...: the command as the report shows it: SHOW when set (long file lists),
# else the shell-quoted words; $WORK written as $W.
shown_cmd() {
    local cmd
    cmd=$(printf '%q ' "$@"); cmd=${cmd% }
    cmd=${SHOW:-$cmd}
    printf '%s' "${cmd//$WORK/\$W}"
}

# measure LABEL RUNS PREPARE CMD...: time CMD (stdout discarded) RUNS times after one warm-up
# run; PREPARE (a shell command, may be empty) runs before each run, untimed. A non-zero exit
# is not a failure (diff exits 1 when files differ).
measure() {
    local label=$1 runs=$2 prepare=$3; shift 3
    local cmd shown
    cmd=$(printf '%q ' "$@"); cmd=${cmd% }
    shown=$(shown_cmd "$@")
    say "timing: $label ($runs runs)"
    if [[ $HAVE_HYPERFINE == 1 ]]; then
        local json=$WORK/h.json
        local args=(-N -i --warmup 1 --runs "$runs" --export-json "$json" --style none)
        [[ -n $prepare ]] && args+=(--prepare "$prepare")
        hyperfine "${args[@]}" "$cmd" >&2
        jq -r --arg l "$label" --arg c "$shown" \
            '.results[0] | [$l, .median, .min, .max, (.times | length), $c, (.user + .system)] | @tsv' "$json" >> "$RESULTS"
    else
        local times=() t0 t1 i cpu=0 u
        [[ -n $prepare ]] && bash -c "$prepare"
        "$@" >/dev/null 2>&1 || true   # warm-up
        for ((i = 0; i < runs; i++)); do
            [[ -n $prepare ]] && bash -c "$prepare"
            t0=$(date +%s%N)
            /usr/bin/time -f '%U %S' -o "$WORK/cpu.txt" "$@" >/dev/null 2>&1 || true
            t1=$(date +%s%N)
            times+=("$(( t1 - t0 ))")
            u=$(awk 'END { print $1 + $2 }' "$WORK/cpu.txt")
            cpu=$(awk -v a="$cpu" -v b="$u" 'BEGIN { print a + b }')
        done
        record "$label" "$shown" "$(awk -v c="$cpu" -v n="$runs" 'BEGIN { printf "%.6f", c / n }')" "${times[@]}"
    fi
}

# snapshot_rounds ROUNDS: cp -a, cp -a && sync, and a first snapshot, one of each per round
# (after one warm-up round), so that all three meet the same moments of a shared machine.
# Before each run the target is removed and `sync` is run, untimed.
snapshot_rounds() {
    local rounds=$1 i what t0 t1
    local -A ns=([cp]="" [cp_sync]="" [snapshot]="")
    say "timing: cp -a, cp -a && sync, snapshot, interleaved ($rounds rounds)"
    for ((i = 0; i <= rounds; i++)); do
        for what in cp cp_sync snapshot; do
            rm -rf "$COPY" "$STATE"
            sync
            t0=$(date +%s%N)
            case $what in
                cp) cp -a "$SNAPP/app" "$COPY" ;;
                cp_sync) cp -a "$SNAPP/app" "$COPY" && sync ;;
                snapshot) "${SNAP_CMD[@]}" >/dev/null ;;
            esac
            t1=$(date +%s%N)
            ((i > 0)) && ns[$what]+="$(( t1 - t0 )) "
        done
    done
    # shellcheck disable=SC2086 # word splitting of the time lists is intended
    {
        record cp "$(shown_cmd cp -a "$SNAPP/app" "$COPY")" - ${ns[cp]}
        record cp_sync "$(SHOW="cp -a $SNAPP/app $COPY && sync" shown_cmd)" - ${ns[cp_sync]}
        record snapshot "$(shown_cmd "${SNAP_CMD[@]}")" - ${ns[snapshot]}
    }
}

med() { awk -F'\t' -v l="$1" '$1 == l { print $2 }' "$RESULTS"; }
min_of() { awk -F'\t' -v l="$1" '$1 == l { print $3 }' "$RESULTS"; }
cpu_of() { awk -F'\t' -v l="$1" '$1 == l { print $7 }' "$RESULTS"; }

# peak_rss_kb [--prepare CMD] CMD...: the median over 3 runs of the peak RSS (KiB) by
# /usr/bin/time -v; the prepare command (shell) runs before each.
peak_rss_kb() {
    local i v=() prepare=""
    if [[ $1 == --prepare ]]; then prepare=$2; shift 2; fi
    for i in 1 2 3; do
        [[ -n $prepare ]] && bash -c "$prepare"
        /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || true
        v+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")")
    done
    printf '%s\n' "${v[@]}" | sort -n | sed -n 2p
}

fmt_ms() { awk -v s="$1" 'BEGIN { printf (s < 10 ? "%.1f ms" : "%.2f s"), (s < 10 ? s * 1000 : s) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
mark() { if "$@"; then echo "**met**"; else echo "**not met**"; fi; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# 1. Ingest of ~LOG_GB GB of codex JSONL logs vs jq and grep

INGEST=$WORK/ingest
LOG_MB=$(awk -v g="$LOG_GB" -v n="$((INGEST_BATCHES * INGEST_JOBS))" 'BEGIN { printf "%.3f", g * 1000 / n }')
GEN_INGEST="gen-run $INGEST --batches $INGEST_BATCHES --jobs $INGEST_JOBS --log-mb $LOG_MB --files 1 --file-kb 4 --fail-batch $INGEST_BATCHES --seed $SEED"
say "generating the ingest run: $GEN_INGEST"
"$GEN" "$INGEST" --batches "$INGEST_BATCHES" --jobs "$INGEST_JOBS" --log-mb "$LOG_MB" --files 1 --file-kb 4 \
    --fail-batch "$INGEST_BATCHES" --seed "$SEED" > "$WORK/ingest.json"
LOG_BYTES=$(jq .log_bytes "$WORK/ingest.json")
mapfile -t JSONL < <(find "$INGEST" -name '*.jsonl' | sort)
say "warming the page cache ($LOG_BYTES bytes of logs)"
cat "${JSONL[@]}" > /dev/null
cat "${JSONL[@]}" > /dev/null

measure ingest "$RUNS" "" "$RT" inspect "$INGEST" --json
ONE_CORE=""
if command -v taskset >/dev/null 2>&1; then
    ONE_CORE="taskset -c 0"
    measure ingest_1core "$RUNS" "" taskset -c 0 "$RT" inspect "$INGEST" --json
fi
SHOW='grep -c turn.failed $JSONL' measure grep "$RUNS" "" grep -c turn.failed "${JSONL[@]}"
SHOW="jq -c 'select(.type==\"turn.failed\")' \$JSONL" measure jq "$SLOW_RUNS" "" jq -c 'select(.type=="turn.failed")' "${JSONL[@]}"
INGEST_RSS=$(peak_rss_kb "$RT" inspect "$INGEST" --json)
JQ_RSS=$(peak_rss_kb jq -c 'select(.type=="turn.failed")' "${JSONL[0]}")

# ---------------------------------------------------------------------------------------------
# 2. plan on a 200 x 50 run

PLAN=$WORK/plan
GEN_PLAN="gen-run $PLAN --batches $PLAN_BATCHES --jobs $PLAN_JOBS --log-mb 0 --files 1 --file-kb 4 --fail-batch $((PLAN_BATCHES * 3 / 5)) --seed $SEED"
say "generating the plan run: $GEN_PLAN"
"$GEN" "$PLAN" --batches "$PLAN_BATCHES" --jobs "$PLAN_JOBS" --log-mb 0 --files 1 --file-kb 4 \
    --fail-batch "$((PLAN_BATCHES * 3 / 5))" --seed "$SEED" > "$WORK/plan.json"
PLAN_LOG_BYTES=$(jq .log_bytes "$WORK/plan.json")
"$RT" plan "$PLAN" --json > "$WORK/plan-out.json" || true
PLAN_VERDICT=$(jq -r '.verdict' "$WORK/plan-out.json")
measure plan "$((RUNS * 2))" "" "$RT" plan "$PLAN" --json
PLAN_RSS=$(peak_rss_kb "$RT" plan "$PLAN" --json)

# ---------------------------------------------------------------------------------------------
# 3. Snapshot of a 1 GiB / 10,000-file output set vs cp -a

SNAPP=$WORK/snap
SNAP_BATCHES=$(( (SNAP_FILES + 499) / 500 ))
GEN_SNAP="gen-run $SNAPP --batches $SNAP_BATCHES --jobs 50 --files 10 --file-kb $SNAP_FILE_KB --log-mb 0 --seed $SEED"
say "generating the snapshot tree: $GEN_SNAP"
"$GEN" "$SNAPP" --batches "$SNAP_BATCHES" --jobs 50 --files 10 --file-kb "$SNAP_FILE_KB" --log-mb 0 --seed "$SEED" > "$WORK/snap.json"
SNAP_BYTES=$(jq .output_bytes "$WORK/snap.json")
SNAP_COUNT=$(find "$SNAPP/app" -type f | wc -l)
STATE=$WORK/snap-state
COPY=$WORK/snap-copy
# The subcommand's arguments are a guess (it did not exist when this script was written): it
# is tried once, and the example driver is used when the guess fails.
if [[ $HAVE_SNAPSHOT_CMD == 1 ]] && (cd "$SNAPP" && "$RT" --state-dir "$STATE" snapshot app) >/dev/null 2>&1; then
    SNAP_CMD=(bash -c "cd $SNAPP && $RT --state-dir $STATE snapshot app")
    SNAP_HOW="\`recover-tui snapshot\`"
else
    SNAP_CMD=("$SNAP" "$SNAPP" "$STATE" app)
    SNAP_HOW="\`examples/snapshot_bench.rs\` (calls \`core::store::snapshot::take\`; the binary has no \`snapshot\` subcommand yet)"
fi
sleep 3   # files modified in the last 2 s are never cached: let the tree age
cat "$SNAPP"/app/*/* > /dev/null
# Each first snapshot / copy starts from nothing, with nothing dirty left to flush.
snapshot_rounds "$SNAP_ROUNDS"
"${SNAP_CMD[@]}" >/dev/null   # the state the re-snapshots start from
measure resnapshot "$RUNS" "" "${SNAP_CMD[@]}"
SNAP_RSS=$(peak_rss_kb --prepare "rm -rf $STATE && sync" "${SNAP_CMD[@]}")
rm -rf "$COPY" "$STATE"

# ---------------------------------------------------------------------------------------------
# 4. Diff of two 100,000-line files vs diff -u

OLD=$WORK/old.py NEW=$WORK/new.py
awk -v n="$DIFF_LINES" -v seed="$SEED" 'BEGIN { srand(seed); for (i = 1; i <= n; i++) printf "def handle_%d(payload):  # %08x\n", i, int(rand() * 4294967295) }' > "$OLD"
# About 1% of lines changed, some deleted, some inserted.
awk '{ if (NR % 97 == 0) printf "def handle_%d(payload, extra=None):  # changed\n", NR;
       else if (NR % 1009 == 0) next;
       else if (NR % 1511 == 0) { print; print "    # inserted line" }
       else print }' "$OLD" > "$NEW"
diff -u "$OLD" "$NEW" > "$WORK/gnu.diff" || true
"$DIFFB" "$OLD" "$NEW" > "$WORK/ours.diff" 2>/dev/null || true
if cmp -s <(tail -n +3 "$WORK/gnu.diff") <(tail -n +3 "$WORK/ours.diff"); then DIFF_SAME="identical hunks"; else DIFF_SAME="hunks differ (both valid diffs)"; fi
measure diff_gnu "$RUNS" "" diff -u "$OLD" "$NEW"
measure diff_ours "$RUNS" "" "$DIFFB" "$OLD" "$NEW"
DIFF_RSS=$(peak_rss_kb "$DIFFB" "$OLD" "$NEW")
DIFF_GNU_RSS=$(peak_rss_kb diff -u "$OLD" "$NEW")
# ---------------------------------------------------------------------------------------------
# 5. The TUI: first frame on the multi-GB ingest run, in a real terminal (tmux), read from the
#    app's own -v log ("first frame drawn N ms after start"); frame render with 100,000 jobs
#    from the criterion bench (benches/render.rs, ratatui TestBackend 200x50).

command -v tmux >/dev/null 2>&1 || apt_install tmux || die "tmux is needed for the first-frame measurement"
FIRST_FRAMES=()
for i in $(seq 1 "$RUNS"); do
    rm -f "$INGEST/.recover/recover-tui.log"
    tmux new-session -d -s "rt-bench-$$" -x 160 -y 45 "$RT -v $INGEST"
    for _ in $(seq 1 200); do
        grep -q "first frame drawn" "$INGEST/.recover/recover-tui.log" 2>/dev/null && break
        sleep 0.05
    done
    tmux kill-session -t "rt-bench-$$" 2>/dev/null || true
    ms=$(sed -n 's/.*first frame drawn \([0-9.]*\) ms after start.*/\1/p' "$INGEST/.recover/recover-tui.log" | head -1)
    [[ -n $ms ]] && FIRST_FRAMES+=("$ms")
done
FIRST_FRAME_MS=$(printf '%s\n' "${FIRST_FRAMES[@]:-}" | sort -n | awk 'NF { a[++n] = $1 } END { if (n) print (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }')
say "first frame: ${FIRST_FRAME_MS:-?} ms (runs: ${FIRST_FRAMES[*]:-none})"
cargo bench --bench render -- --warm-up-time 1 --measurement-time 3 > "$WORK/render.txt" 2>&1 || true
# The slowest screen's median, in ms.
RENDER_MS=$(awk '/^render /{ name=$0 } /time:/{ v=$4; u=$5; gsub(/[^0-9.]/, "", v); ms = (u ~ /^µs/) ? v / 1000 : (u ~ /^ns/ ? v / 1e6 : v); if (ms > max) { max = ms; slow = name } } END { printf "%.3f\t%s", max, slow }' "$WORK/render.txt")
RENDER_SLOW=${RENDER_MS#*$'\t'}; RENDER_MS=${RENDER_MS%%$'\t'*}
say "render: $RENDER_MS ms ($RENDER_SLOW)"

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report

T_INGEST=$(med ingest); T_GREP=$(med grep); T_JQ=$(med jq)
T_INGEST1=${ONE_CORE:+$(med ingest_1core)}; T_INGEST1=${T_INGEST1:-$T_INGEST}
GBS=$(awk -v b="$LOG_BYTES" -v t="$T_INGEST" 'BEGIN { printf "%.2f", b / t / 1e9 }')
GBS1=$(awk -v b="$LOG_BYTES" -v t="$T_INGEST1" 'BEGIN { printf "%.2f", b / t / 1e9 }')
GBS_GREP=$(awk -v b="$LOG_BYTES" -v t="$T_GREP" 'BEGIN { printf "%.2f", b / t / 1e9 }')
GBS_JQ=$(awk -v b="$LOG_BYTES" -v t="$T_JQ" 'BEGIN { printf "%.3f", b / t / 1e9 }')
R_JQ=$(ratio "$T_JQ" "$T_INGEST"); R_JQ1=$(ratio "$T_JQ" "$T_INGEST1")
RSS_LIMIT_KB=$(awk -v b="$LOG_BYTES" 'BEGIN { printf "%d", (64 * 1048576 + 0.10 * b) / 1024 }')
T_PLAN=$(med plan)
T_CP=$(med cp); T_CPS=$(med cp_sync); T_SNAP=$(med snapshot); T_RESNAP=$(med resnapshot)
R_SNAP=$(ratio "$T_SNAP" "$T_CP"); R_RESNAP=$(ratio "$T_RESNAP" "$T_CP"); R_SNAPS=$(ratio "$T_SNAP" "$T_CPS")
T_DG=$(med diff_gnu); T_DO=$(med diff_ours); R_DIFF=$(ratio "$T_DO" "$T_DG")
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

CPU=$(lscpu 2>/dev/null | awk -F': +' '/^Model name/ { print $2; exit }')
CORES=$(nproc)
RAM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
KERNEL=$(uname -sr)
FS=$(df -T "$WORK" | awk 'NR == 2 { print $2 " (" $1 ")" }')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT + uncommitted changes"
TIMER=$([[ $HAVE_HYPERFINE == 1 ]] && hyperfine --version || echo "bash loop with date +%s%N")

{
cat <<EOF
# Benchmarks

Produced by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT. Every number
below comes from that one run; rerun the script to refresh the file. The micro-benchmarks of
the hot paths are in \`benches/hot_paths.rs\` (\`cargo bench --bench hot_paths\`).

## Machine

| | |
|---|---|
| CPU | $CPU |
| cores | $CORES |
| RAM | $RAM |
| kernel | $KERNEL |
| filesystem of the work dir | $FS |
| load average (1, 5, 15 min) | $LOAD_START at the start, $LOAD_END at the end |
| timer | $TIMER; medians of the runs shown; peak RSS by \`/usr/bin/time -v\` (median of 3) |

The machine is shared: other builds and tests ran at the same time, so absolute times are
noisy. Each comparison is timed in the same run, back to back, and reported as a ratio.

## Targets (DESIGN.md §17)

| target | measured | |
|---|---|---|
| ingest >= 1 GB/s on one core | $GBS1 GB/s on one core ($GBS GB/s on $CORES cores) | $(mark le 1 "$GBS1") |
| ingest >= 8x faster than \`jq -c 'select(.type=="turn.failed")'\` | ${R_JQ1}x on one core (${R_JQ}x on $CORES cores) | $(mark le 8 "$R_JQ1") |
| peak RSS of the ingest <= 64 MiB + 10% of the log bytes | $(mib "$INGEST_RSS") (limit $(mib "$RSS_LIMIT_KB")) | $(mark le "$INGEST_RSS" "$RSS_LIMIT_KB") |
| first frame of the TUI < 100 ms | ${FIRST_FRAME_MS:-?} ms median from start to the first drawn screen, in tmux, on the ${LOG_GB} GB ingest run (the run loads after it, with progress) | $(mark awk -v t="${FIRST_FRAME_MS:-1e9}" 'BEGIN { exit !(t < 100) }') |
| \`plan\` on a ${PLAN_BATCHES}-batch x ${PLAN_JOBS}-job run < 200 ms | $(fmt_ms "$T_PLAN") median, $(fmt_ms "$(min_of plan)") best; CPU $(fmt_ms "$(cpu_of plan)") (user + sys, both threads) | $(mark le "$T_PLAN" 0.2) |
| snapshot of a 1 GiB / 10,000-file set <= 1.5x \`cp -a\` | ${R_SNAP}x ($(fmt_ms "$T_SNAP") vs $(fmt_ms "$T_CP")) | $(mark le "$R_SNAP" 1.5) |
| re-snapshot of the unchanged set <= 0.2x \`cp -a\` | ${R_RESNAP}x ($(fmt_ms "$T_RESNAP") vs $(fmt_ms "$T_CP")) | $(mark le "$R_RESNAP" 0.2) |
| diff of two ${DIFF_LINES}-line files <= 2x GNU \`diff -u\` | ${R_DIFF}x ($(fmt_ms "$T_DO") vs $(fmt_ms "$T_DG")) | $(mark le "$R_DIFF" 2) |
| frame render with 100,000 jobs < 5 ms | ${RENDER_MS} ms, the slowest screen (${RENDER_SLOW}); \`cargo bench --bench render\` | $(mark awk -v t="${RENDER_MS:-1e9}" 'BEGIN { exit !(t < 5) }') |

## 1. Ingest of codex \`exec --json\` logs

Run: \`$GEN_INGEST\` —
$INGEST_BATCHES batches x $INGEST_JOBS jobs, $LOG_BYTES bytes of JSONL in ${#JSONL[@]} files (each job's stream
repeats its commands' growing \`aggregated_output\` in \`item.updated\` lines, outputs up to 1 MiB).
The page cache was warmed first (\`cat\` of every log to /dev/null, twice), so this measures
parsing, not the disk.

| command | median | GB/s | vs jq | peak RSS |
|---|---|---|---|---|
| \`recover-tui inspect DIR --json\` | $(fmt_ms "$T_INGEST") | $GBS | ${R_JQ}x | $(mib "$INGEST_RSS") |
| \`${ONE_CORE:-(no taskset)} recover-tui inspect DIR --json\` (one core) | $(fmt_ms "$T_INGEST1") | $GBS1 | ${R_JQ1}x | |
| \`grep -c turn.failed FILES\` (I/O floor) | $(fmt_ms "$T_GREP") | $GBS_GREP | $(ratio "$T_JQ" "$T_GREP")x | |
| \`jq -c 'select(.type=="turn.failed")' FILES\` | $(fmt_ms "$T_JQ") | $GBS_JQ | 1x | $(mib "$JQ_RSS") (one file) |

## 2. \`plan\` on a ${PLAN_BATCHES} x ${PLAN_JOBS} run

Run: \`$GEN_PLAN\` —
$((PLAN_BATCHES * PLAN_JOBS)) jobs in $PLAN_BATCHES batch scripts (the sparkq form: one \`codex exec ... &\` per job with its
prompt inline), minimal JSONL logs ($PLAN_LOG_BYTES bytes in all), a Haiku validation report per batch that ran,
one job failing with ModuleNotFoundError in batch $((PLAN_BATCHES * 3 / 5)), later batches not run. Verdict: \`$PLAN_VERDICT\`.

| command | median | best | CPU (user + sys) | peak RSS |
|---|---|---|---|---|
| \`recover-tui plan DIR --json\` | $(fmt_ms "$T_PLAN") | $(fmt_ms "$(min_of plan)") | $(fmt_ms "$(cpu_of plan)") | $(mib "$PLAN_RSS") |

## 3. Snapshot vs \`cp -a\`

Tree: \`$GEN_SNAP\` — $SNAP_COUNT files, $SNAP_BYTES bytes under \`app/\`, every file distinct.
Snapshot driver: $SNAP_HOW. A snapshot hashes (SHA-256) and copies every file into the
content-addressed store and makes it durable (one \`syncfs\`) before writing its manifest;
\`cp -a\` leaves the data in the page cache, so \`cp -a && sync\` is shown too. The first three
rows were timed interleaved ($SNAP_ROUNDS rounds of one run each, after a warm-up round), so that
all three meet the same moments of the shared machine; before each run the target is removed
and \`sync\` is run (untimed).

| command | median | vs \`cp -a\` | peak RSS |
|---|---|---|---|
| \`cp -a app COPY\` | $(fmt_ms "$T_CP") | 1x | |
| \`cp -a app COPY && sync\` | $(fmt_ms "$T_CPS") | $(ratio "$T_CPS" "$T_CP")x | |
| snapshot of \`app\` into an empty store | $(fmt_ms "$T_SNAP") | ${R_SNAP}x (${R_SNAPS}x of \`cp -a && sync\`) | $(mib "$SNAP_RSS") |
| re-snapshot, nothing changed | $(fmt_ms "$T_RESNAP") | ${R_RESNAP}x | |

## 4. Diff of two ${DIFF_LINES}-line files

Files: ${DIFF_LINES} generated lines; the new one changes every 97th line, drops every 1009th and inserts
a line after every 1511th. Driver: \`examples/diff_bench.rs\` (calls \`core::store::diff::diff_bytes\`,
Myers, writes the unified diff to stdout like \`diff -u\`). Output vs GNU diff: $DIFF_SAME.

| command | median | vs \`diff -u\` | peak RSS |
|---|---|---|---|
| \`diff -u OLD NEW\` | $(fmt_ms "$T_DG") | 1x | $(mib "$DIFF_GNU_RSS") |
| \`diff_bench OLD NEW\` | $(fmt_ms "$T_DO") | ${R_DIFF}x | $(mib "$DIFF_RSS") |

## Exact commands

\`\$W\` is the script's temporary directory (here \`$WORK\`, removed afterwards); \`\$JSONL\` is
the list of the ${#JSONL[@]} \`*.jsonl\` files under \`\$W/ingest\` (sorted), passed as arguments.

\`\`\`text
$(awk -F'\t' '{ printf "%-14s %s\n", $1, $6 }' "$RESULTS")
\`\`\`

All timings (seconds; CPU = mean user + system time of a run, where measured):

| label | median | min | max | runs | CPU |
|---|---|---|---|---|---|
$(awk -F'\t' '{ printf "| %s | %.4f | %.4f | %.4f | %s | %s |\n", $1, $2, $3, $4, $5, ($7 == "-" ? "-" : sprintf("%.4f", $7)) }' "$RESULTS")
EOF
if [[ -f scripts/bench-notes.md ]]; then
    echo
    cat scripts/bench-notes.md
fi
} > "$OUT"

say "wrote $OUT"
grep -E '^\| (ingest|peak|first|`plan`|snapshot|re-snapshot|diff|frame)' "$OUT" >&2 || true
