#!/usr/bin/env bash
# Time whole recover-tui commands against the tools a user would otherwise reach for, in the
# same run, on generated runs; write BENCHMARKS.md (DESIGN.md §17, issues 7 and 13).
#
# Run from the repository root:   scripts/bench.sh          (QUICK=1 scripts/bench.sh: a minute)
#
# Knobs (environment variables):
#   LOG_GB=2          total size of the codex JSONL logs of the ingest run (GB, 10^9 bytes)
#   INGEST_BATCHES=10 INGEST_JOBS=20   shape of the ingest run (log size per job follows)
#   PLAN_BATCHES=200 PLAN_JOBS=50      shape of the plan / inspect run (small logs)
#   PLAN_LOG_KB=9.2                    size of each small log of that run (KB, 10^3 bytes)
#   PLAN_FAIL_BATCH=                   its failing batch (default 3/5 of PLAN_BATCHES: 120)
#   JOBLOG_ROWS=1000000 JOBLOG_JOBS=10000   the large joblog: rows, distinct jobs (Seqs);
#                                      JOBLOG_JOBS=JOBLOG_ROWS gives distinct jobs, no re-runs
#   SNAP_FILES=10000 SNAP_FILE_KB=105  output set of the snapshot benchmark (~1 GiB)
#   DIFF_LINES=100000                  lines of each file of the diff benchmark
#   RUNS=5 SLOW_RUNS=3                 timed runs per command (SLOW_RUNS for jq on the ingest run)
#   SNAP_ROUNDS=5                      rounds of cp -a / cp -a && sync / snapshot, interleaved
#   RENDER_SECS=3                      criterion measurement time of the render bench
#   PROFILE=1          profile every target not met (perf record -g; PROFILE=0: never)
#   PROFILE_TARGET=target/bench-profile   target dir of the profile build (line tables)
#   QUICK=1            every size shrunk (and OUT defaults to $TMPDIR/BENCHMARKS.quick.md)
#   OUT=BENCHMARKS.md  KEEP=1 (keep the generated files)  BENCH_TMP=/tmp (where to generate)
#   NO_HYPERFINE=1     time with the built-in loop even when hyperfine is there
#
# Timing: hyperfine when available (installed with apt-get when missing and possible), else a
# loop timing each run with $EPOCHREALTIME; commands compared on a shared machine (plan and
# inspect vs jq, the joblog vs wc and awk, snapshot vs cp -a) are timed interleaved, one run of
# each per round. Medians everywhere. Peak RSS and CPU: /usr/bin/time -v (median of 3).
# Timings live here and in benches/, never in unit tests.

set -euo pipefail
export LC_ALL=C

if [[ ${QUICK:-0} == 1 ]]; then
    : "${LOG_GB:=0.1}" "${INGEST_BATCHES:=4}" "${INGEST_JOBS:=5}" "${PLAN_BATCHES:=20}" "${PLAN_JOBS:=10}"
    : "${JOBLOG_ROWS:=50000}" "${JOBLOG_JOBS:=500}" "${SNAP_FILES:=500}" "${SNAP_FILE_KB:=20}"
    : "${DIFF_LINES:=10000}" "${RUNS:=3}" "${SLOW_RUNS:=2}" "${SNAP_ROUNDS:=2}" "${RENDER_SECS:=1}"
    : "${OUT:=${TMPDIR:-/tmp}/BENCHMARKS.quick.md}"
fi
LOG_GB=${LOG_GB:-2}
INGEST_BATCHES=${INGEST_BATCHES:-10}
INGEST_JOBS=${INGEST_JOBS:-20}
PLAN_BATCHES=${PLAN_BATCHES:-200}
PLAN_JOBS=${PLAN_JOBS:-50}
PLAN_LOG_KB=${PLAN_LOG_KB:-9.2}
PLAN_FAIL_BATCH=${PLAN_FAIL_BATCH:-$((PLAN_BATCHES * 3 / 5))}
((PLAN_FAIL_BATCH >= 1)) || PLAN_FAIL_BATCH=1
JOBLOG_ROWS=${JOBLOG_ROWS:-1000000}
JOBLOG_JOBS=${JOBLOG_JOBS:-10000}
SNAP_FILES=${SNAP_FILES:-10000}
SNAP_FILE_KB=${SNAP_FILE_KB:-105}
DIFF_LINES=${DIFF_LINES:-100000}
RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-3}
SNAP_ROUNDS=${SNAP_ROUNDS:-5}
RENDER_SECS=${RENDER_SECS:-3}
PROFILE=${PROFILE:-1}
OUT=${OUT:-BENCHMARKS.md}
SEED=${SEED:-1}

die() { echo "bench.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

[[ -f Cargo.toml ]] && grep -q '^name = "recover-tui"' Cargo.toml || die "run me from the recover-tui repository root"
for v in INGEST_BATCHES INGEST_JOBS PLAN_BATCHES PLAN_JOBS JOBLOG_ROWS JOBLOG_JOBS SNAP_FILES SNAP_FILE_KB DIFF_LINES RUNS SLOW_RUNS SNAP_ROUNDS RENDER_SECS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v=${!v}: expected a whole number >= 1"
done
[[ $LOG_GB =~ ^[0-9]*\.?[0-9]+$ && $PLAN_LOG_KB =~ ^[0-9]*\.?[0-9]+$ ]] || die "LOG_GB and PLAN_LOG_KB must be numbers"
((PLAN_FAIL_BATCH <= PLAN_BATCHES)) || die "PLAN_FAIL_BATCH=$PLAN_FAIL_BATCH is not a batch of 1..$PLAN_BATCHES"
((JOBLOG_JOBS <= JOBLOG_ROWS)) || die "JOBLOG_JOBS=$JOBLOG_JOBS must be <= JOBLOG_ROWS=$JOBLOG_ROWS"

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
HAVE_PERF=0
command -v perf >/dev/null 2>&1 && HAVE_PERF=1

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
PROF_DIR=${PROFILE_TARGET:-$ROOT/target/bench-profile}
[[ $PROF_DIR == /* ]] || PROF_DIR=$ROOT/$PROF_DIR

WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/recover-bench.XXXXXX")
TMUX_SESSIONS=()
cleanup() {
    local s
    for s in "${TMUX_SESSIONS[@]:-}"; do
        [[ -n $s ]] && tmux kill-session -t "$s" 2>/dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
RESULTS=$WORK/results.tsv   # label \t median_s \t min_s \t max_s \t runs \t command \t cpu_s
USAGE=$WORK/usage.tsv       # label \t peak_rss_kb \t cpu_s (user + sys) \t command
: > "$RESULTS"
: > "$USAGE"

# ---------------------------------------------------------------------------------------------
# Measuring

# now_ns: sets NOW to the wall clock in nanoseconds (microsecond resolution), without a fork.
now_ns() { NOW=${EPOCHREALTIME//[.,]/}; NOW=$((10#$NOW * 1000)); }

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
            now_ns; t0=$NOW
            /usr/bin/time -f '%U %S' -o "$WORK/cpu.txt" "$@" >/dev/null 2>&1 || true
            now_ns; t1=$NOW
            times+=("$(( t1 - t0 ))")
            u=$(awk 'END { print $1 + $2 }' "$WORK/cpu.txt")
            cpu=$(awk -v a="$cpu" -v b="$u" 'BEGIN { print a + b }')
        done
        record "$label" "$shown" "$(awk -v c="$cpu" -v n="$runs" 'BEGIN { printf "%.6f", c / n }')" "${times[@]}"
    fi
}

# Commands timed by `interleave`, by label: the shell-quoted words, and what the report shows.
declare -A CMD=() CMD_SHOWN=()
# define LABEL CMD...: name a command for `interleave` (SHOW as for shown_cmd).
define() {
    local label=$1; shift
    CMD[$label]=$(printf '%q ' "$@")
    CMD_SHOWN[$label]=$(shown_cmd "$@")
}

# interleave ROUNDS LABEL...: one run of each defined command per round, in turn, after one
# warm-up round, so that all of them meet the same moments of a shared machine; stdout and
# stderr discarded, a non-zero exit is not a failure. Records each label's median, min, max.
# settle: write back what the generators wrote, untimed. The kernel writes dirty pages back ~30 s
# after they were made: without this, the write-back of the 2 GB ingest run ran during the
# plan timings, on the cores the timed commands share.
settle() {
    say "writing back the generated files (sync)"
    sync
}

interleave() {
    local rounds=$1 i l t0 t1; shift
    local -A ns=()
    say "timing, interleaved ($rounds rounds): $*"
    for ((i = 0; i <= rounds; i++)); do
        for l in "$@"; do
            now_ns; t0=$NOW
            eval "${CMD[$l]}" >/dev/null 2>&1 || true
            now_ns; t1=$NOW
            ((i > 0)) && ns[$l]+="$(( t1 - t0 )) "
        done
    done
    for l in "$@"; do
        # shellcheck disable=SC2086 # word splitting of the time list is intended
        record "$l" "${CMD_SHOWN[$l]}" - ${ns[$l]}
    done
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
            now_ns; t0=$NOW
            case $what in
                cp) cp -a "$SNAPP/app" "$COPY" ;;
                cp_sync) cp -a "$SNAPP/app" "$COPY" && sync ;;
                snapshot) "${SNAP_CMD[@]}" >/dev/null ;;
            esac
            now_ns; t1=$NOW
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

# rss_cpu LABEL CMD...: peak RSS (KiB) and CPU (user + sys, s) of CMD by /usr/bin/time -v, each
# the median of 3 runs, appended to $USAGE.
rss_cpu() {
    local label=$1 i rss=() cpu=(); shift
    say "peak RSS and CPU: $label"
    for i in 1 2 3; do
        /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || true
        rss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")")
        cpu+=("$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.3f", u + s }' "$WORK/time.txt")")
    done
    printf '%s\t%s\t%s\t%s\n' "$label" "$(printf '%s\n' "${rss[@]}" | sort -n | sed -n 2p)" \
        "$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n 2p)" "$(shown_cmd "$@")" >> "$USAGE"
}
rss_of() { awk -F'\t' -v l="$1" '$1 == l { print $2 }' "$USAGE"; }
ucpu_of() { awk -F'\t' -v l="$1" '$1 == l { print $3 }' "$USAGE"; }

fmt_ms() { awk -v s="$1" 'BEGIN { printf (s < 10 ? "%.1f ms" : "%.2f s"), (s < 10 ? s * 1000 : s) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
commas() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)

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
settle
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
# 2. plan and inspect on a 200 x 50 run with small logs vs jq over the same logs

PLAN=$WORK/plan
GEN_PLAN="gen-run $PLAN --batches $PLAN_BATCHES --jobs $PLAN_JOBS --log-kb $PLAN_LOG_KB --files 1 --file-kb 4 --fail-batch $PLAN_FAIL_BATCH --seed $SEED"
say "generating the plan run: $GEN_PLAN"
"$GEN" "$PLAN" --batches "$PLAN_BATCHES" --jobs "$PLAN_JOBS" --log-kb "$PLAN_LOG_KB" --files 1 --file-kb 4 \
    --fail-batch "$PLAN_FAIL_BATCH" --seed "$SEED" > "$WORK/plan.json"
PLAN_LOG_BYTES=$(jq .log_bytes "$WORK/plan.json")
PLAN_LOG_FILES=$(jq .log_files "$WORK/plan.json")
PLAN_FILES=$(find "$PLAN" -type f | wc -l)
PLAN_TREE_BYTES=$(du -sb "$PLAN" | cut -f1)
mapfile -t PLAN_JSONL < <(find "$PLAN" -name '*.jsonl' | sort)
((${#PLAN_JSONL[@]} == PLAN_LOG_FILES)) || die "plan run: found ${#PLAN_JSONL[@]} *.jsonl files, gen-run wrote $PLAN_LOG_FILES"
settle
say "warming the page cache (the plan run: $PLAN_FILES files, $PLAN_TREE_BYTES bytes)"
find "$PLAN" -type f -exec cat {} + > /dev/null
"$RT" plan "$PLAN" --json > "$WORK/plan-out.json" || true
PLAN_VERDICT=$(jq -r '.verdict // "?"' "$WORK/plan-out.json" 2>/dev/null || echo "?")
JQ_PLAN_HITS=$(jq -c 'select(.type=="turn.failed")' "${PLAN_JSONL[@]}" | wc -l)
define plan "$RT" plan "$PLAN" --json
define inspect "$RT" inspect "$PLAN" --json
SHOW="jq -c 'select(.type==\"turn.failed\")' \$PLAN_JSONL" define jq_plan jq -c 'select(.type=="turn.failed")' "${PLAN_JSONL[@]}"
interleave "$RUNS" plan inspect jq_plan
rss_cpu plan "$RT" plan "$PLAN" --json
rss_cpu inspect "$RT" inspect "$PLAN" --json
SHOW="jq -c 'select(.type==\"turn.failed\")' \$PLAN_JSONL" rss_cpu jq_plan jq -c 'select(.type=="turn.failed")' "${PLAN_JSONL[@]}"

# ---------------------------------------------------------------------------------------------
# 3. inspect of a large GNU parallel joblog: peak RSS, every row read; vs wc -l and awk

JL=$WORK/joblog
GEN_JL="gen-run $JL --joblog-rows $JOBLOG_ROWS --joblog-jobs $JOBLOG_JOBS --seed $SEED"
say "generating the joblog: $GEN_JL"
"$GEN" "$JL" --joblog-rows "$JOBLOG_ROWS" --joblog-jobs "$JOBLOG_JOBS" --seed "$SEED" > "$WORK/jl.json"
JL_REL=$(jq -r .joblog "$WORK/jl.json")
JL_FILE=$JL/$JL_REL
JL_BYTES=$(jq .joblog_bytes "$WORK/jl.json")
JL_RUNS=$(jq .runs "$WORK/jl.json")
JL_SEQ=$(jq .failed_seq "$WORK/jl.json")
JL_LINE=$(jq .failed_line "$WORK/jl.json")
settle
cat "$JL_FILE" > /dev/null
"$RT" inspect "$JL" --json > "$WORK/jl-inspect.json" 2>"$WORK/jl-inspect.err" || true
# The failed row in the middle of the file must have made its job failed, with that row as the
# source of a finding: a reader that skips the middle (head and tail) misses it.
JL_REF="$JL_REL:$JL_LINE"
if JL_CHECK=$(jq -r --arg ref "$JL_REF" '[.batches[].jobs[]] as $j
        | [($j | length), ([$j[] | select(.status == "failed")] | length),
           ([$j[] | select(.status == "failed") | select(tostring | contains($ref))] | length)] | @tsv' \
        "$WORK/jl-inspect.json" 2>/dev/null); then
    read -r JL_JOBS_SEEN JL_FAILED JL_FOUND <<< "$JL_CHECK"
else
    JL_JOBS_SEEN="?" JL_FAILED="?" JL_FOUND=0
    say "inspect of the joblog gave no JSON: $(head -c 300 "$WORK/jl-inspect.err")"
fi
if [[ $JL_FOUND -ge 1 ]]; then
    JL_FOUND_TEXT="found: Seq $JL_SEQ failed, finding from \`$JL_REF\`"
else
    JL_FOUND_TEXT="**missed**: Seq $JL_SEQ (row \`$JL_REF\`) is not a failed job with that row as evidence"
fi
say "joblog: $JL_JOBS_SEEN jobs, $JL_FAILED failed; the middle row: $JL_FOUND_TEXT"
define jl_inspect "$RT" inspect "$JL" --json
define jl_wc wc -l "$JL_FILE"
JL_AWK_SHOWN="awk -F '\t' 'NR > 1 && \$7 != 0' $JL_FILE"
SHOW=$JL_AWK_SHOWN define jl_awk awk -F '\t' 'NR > 1 && $7 != 0' "$JL_FILE"
interleave "$RUNS" jl_inspect jl_wc jl_awk
rss_cpu jl_inspect "$RT" inspect "$JL" --json
SHOW=$JL_AWK_SHOWN rss_cpu jl_awk awk -F '\t' 'NR > 1 && $7 != 0' "$JL_FILE"
rss_cpu jl_wc wc -l "$JL_FILE"

# ---------------------------------------------------------------------------------------------
# 4. Snapshot of a 1 GiB / 10,000-file output set vs cp -a

SNAPP=$WORK/snap
SNAP_BATCHES=$(( (SNAP_FILES + 499) / 500 ))
GEN_SNAP="gen-run $SNAPP --batches $SNAP_BATCHES --jobs 50 --files 10 --file-kb $SNAP_FILE_KB --log-mb 0 --seed $SEED"
say "generating the snapshot tree: $GEN_SNAP"
"$GEN" "$SNAPP" --batches "$SNAP_BATCHES" --jobs 50 --files 10 --file-kb "$SNAP_FILE_KB" --log-mb 0 --seed "$SEED" > "$WORK/snap.json"
SNAP_BYTES=$(jq .output_bytes "$WORK/snap.json")
SNAP_COUNT=$(find "$SNAPP/app" -type f | wc -l)
STATE=$WORK/snap-state
COPY=$WORK/snap-copy
# snap_cmd RECOVER_TUI SNAPSHOT_BENCH: sets SNAP_CMD to the snapshot command with those binaries.
snap_cmd() {
    if [[ $SNAP_VIA == cli ]]; then
        SNAP_CMD=(bash -c "cd $SNAPP && $1 --state-dir $STATE snapshot app")
    else
        SNAP_CMD=("$2" "$SNAPP" "$STATE" app)
    fi
}
# The subcommand's arguments are a guess (it did not exist when this script was written): it
# is tried once, and the example driver is used when the guess fails.
if [[ $HAVE_SNAPSHOT_CMD == 1 ]] && (cd "$SNAPP" && "$RT" --state-dir "$STATE" snapshot app) >/dev/null 2>&1; then
    SNAP_VIA=cli
    SNAP_HOW="\`recover-tui snapshot\`"
else
    SNAP_VIA=example
    SNAP_HOW="\`examples/snapshot_bench.rs\` (calls \`core::store::snapshot::take\`; the binary has no \`snapshot\` subcommand yet)"
fi
snap_cmd "$RT" "$SNAP"
sleep 3   # files modified in the last 2 s are never cached: let the tree age
cat "$SNAPP"/app/*/* > /dev/null
# Each first snapshot / copy starts from nothing, with nothing dirty left to flush.
snapshot_rounds "$SNAP_ROUNDS"
"${SNAP_CMD[@]}" >/dev/null   # the state the re-snapshots start from
measure resnapshot "$RUNS" "" "${SNAP_CMD[@]}"
SNAP_RSS=$(peak_rss_kb --prepare "rm -rf $STATE && sync" "${SNAP_CMD[@]}")
rm -rf "$COPY" "$STATE"

# ---------------------------------------------------------------------------------------------
# 5. Diff of two 100,000-line files vs diff -u

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
# 6. The TUI: first frame on the multi-GB ingest run, in a real terminal (tmux), read from the
#    app's own -v log ("first frame drawn N ms after start"); frame render with 100,000 jobs
#    from the criterion bench (benches/render.rs, ratatui TestBackend 200x50).

command -v tmux >/dev/null 2>&1 || apt_install tmux || die "tmux is needed for the first-frame measurement"
FF_LOG=$INGEST/.recover/recover-tui.log
# first_frame CMD: run CMD (a shell command line) in a detached tmux terminal until the app's log
# says its first frame was drawn (at most 10 s), then end it: with `q`, else by killing the
# session. Prints the first frame's ms, or nothing.
first_frame() {
    local session="rt-bench-$$-$RANDOM" _
    rm -f "$FF_LOG"
    TMUX_SESSIONS+=("$session")
    tmux new-session -d -s "$session" -x 160 -y 45 "$1"
    for _ in $(seq 1 200); do
        grep -q "first frame drawn" "$FF_LOG" 2>/dev/null && break
        sleep 0.05
    done
    tmux send-keys -t "$session" q 2>/dev/null || true
    for _ in $(seq 1 100); do
        tmux has-session -t "$session" 2>/dev/null || break
        sleep 0.05
    done
    tmux kill-session -t "$session" 2>/dev/null || true
    sed -n '/first frame drawn/{s/.*first frame drawn \([0-9.]*\) ms after start.*/\1/p;q;}' "$FF_LOG" 2>/dev/null || true
}
FIRST_FRAMES=()
for i in $(seq 1 "$RUNS"); do
    ms=$(first_frame "$RT -v $INGEST")
    [[ -n $ms ]] && FIRST_FRAMES+=("$ms")
done
FIRST_FRAME_MS=$(printf '%s\n' "${FIRST_FRAMES[@]:-}" | sort -n | awk 'NF { a[++n] = $1 } END { if (n) print (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }')
say "first frame: ${FIRST_FRAME_MS:-?} ms (runs: ${FIRST_FRAMES[*]:-none})"
say "render bench (cargo bench --bench render)"
cargo bench --bench render -- --warm-up-time 1 --measurement-time "$RENDER_SECS" > "$WORK/render.txt" 2>&1 || true
# The slowest screen's median, in ms.
RENDER_MS=$(awk '/^render /{ name=$0 } /time:/{ v=$4; u=$5; gsub(/[^0-9.]/, "", v); ms = (u ~ /^µs/) ? v / 1000 : (u ~ /^ns/ ? v / 1e6 : v); if (ms > max) { max = ms; slow = name } } END { printf "%.3f\t%s", max, slow }' "$WORK/render.txt")
RENDER_SLOW=${RENDER_MS#*$'\t'}; RENDER_MS=${RENDER_MS%%$'\t'*}
RENDER_SLOW=${RENDER_SLOW%% }
say "render: $RENDER_MS ms ($RENDER_SLOW)"

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
T_MEASURED=$(date +%s)

# ---------------------------------------------------------------------------------------------
# Results and targets

T_INGEST=$(med ingest); T_GREP=$(med grep); T_JQ=$(med jq)
T_INGEST1=${ONE_CORE:+$(med ingest_1core)}; T_INGEST1=${T_INGEST1:-$T_INGEST}
GBS=$(awk -v b="$LOG_BYTES" -v t="$T_INGEST" 'BEGIN { printf "%.2f", b / t / 1e9 }')
GBS1=$(awk -v b="$LOG_BYTES" -v t="$T_INGEST1" 'BEGIN { printf "%.2f", b / t / 1e9 }')
GBS_GREP=$(awk -v b="$LOG_BYTES" -v t="$T_GREP" 'BEGIN { printf "%.2f", b / t / 1e9 }')
GBS_JQ=$(awk -v b="$LOG_BYTES" -v t="$T_JQ" 'BEGIN { printf "%.3f", b / t / 1e9 }')
R_JQ=$(ratio "$T_JQ" "$T_INGEST"); R_JQ1=$(ratio "$T_JQ" "$T_INGEST1")
RSS_LIMIT_KB=$(awk -v b="$LOG_BYTES" 'BEGIN { printf "%d", (64 * 1048576 + 0.10 * b) / 1024 }')
T_PLAN=$(med plan); T_INSPECT=$(med inspect); T_JQP=$(med jq_plan)
R_PLAN=$(ratio "$T_JQP" "$T_PLAN"); R_INSPECT=$(ratio "$T_JQP" "$T_INSPECT")
T_JLI=$(med jl_inspect); T_JLW=$(med jl_wc); T_JLA=$(med jl_awk)
JL_RSS=$(rss_of jl_inspect)
JL_LIMIT_KB=$(awk -v b="$JL_BYTES" 'BEGIN { printf "%d", (64 * 1048576 + 0.10 * b) / 1024 }')
T_CP=$(med cp); T_CPS=$(med cp_sync); T_SNAP=$(med snapshot); T_RESNAP=$(med resnapshot)
R_SNAP=$(ratio "$T_SNAP" "$T_CP"); R_RESNAP=$(ratio "$T_RESNAP" "$T_CP"); R_SNAPS=$(ratio "$T_SNAP" "$T_CPS")
T_DG=$(med diff_gnu); T_DO=$(med diff_ours); R_DIFF=$(ratio "$T_DO" "$T_DG")

OK_GBS=0; le 1 "$GBS1" && OK_GBS=1
OK_RJQ=0; le 8 "$R_JQ1" && OK_RJQ=1
OK_IRSS=0; le "$INGEST_RSS" "$RSS_LIMIT_KB" && OK_IRSS=1
OK_FF=0; lt "${FIRST_FRAME_MS:-1e9}" 100 && OK_FF=1
OK_PLAN=0; le 4 "$R_PLAN" && OK_PLAN=1
OK_INSPECT=0; le 4 "$R_INSPECT" && OK_INSPECT=1
OK_JL=0; le "$JL_RSS" "$JL_LIMIT_KB" && [[ $JL_FOUND -ge 1 ]] && OK_JL=1
OK_SNAP=0; le "$R_SNAP" 1.5 && OK_SNAP=1
OK_RESNAP=0; le "$R_RESNAP" 0.2 && OK_RESNAP=1
OK_DIFF=0; le "$R_DIFF" 2 && OK_DIFF=1
OK_RENDER=0; lt "${RENDER_MS:-1e9}" 5 && [[ -n $RENDER_SLOW ]] && OK_RENDER=1
met() { if [[ $1 == 1 ]]; then echo "**met**"; else echo "**not met**"; fi; }

# ---------------------------------------------------------------------------------------------
# Profiles of the targets not met: perf record -g of the command, on a build with line tables
# (its own target dir, so the measured build is untouched), the top 15 by self time.

PROF_STATE=none   # none | built | failed
prof_build() {
    [[ $PROF_STATE == none ]] || { [[ $PROF_STATE == built ]]; return; }
    say "building the profile build (CARGO_PROFILE_RELEASE_DEBUG=line-tables-only) into $PROF_DIR"
    if CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_TARGET_DIR=$PROF_DIR \
        cargo build --release --bin recover-tui --example snapshot_bench --example diff_bench >&2; then
        PROF_STATE=built
        PRT=$PROF_DIR/release/recover-tui PSNAP=$PROF_DIR/release/examples/snapshot_bench PDIFF=$PROF_DIR/release/examples/diff_bench
    else
        PROF_STATE=failed
        say "the profile build failed: no profiles"
    fi
    [[ $PROF_STATE == built ]]
}

# perf_top DATA: the 15 entries with the most self time, by binary and symbol.
perf_top() {
    perf report -i "$1" --no-children --stdio -g none --sort dso,symbol > "$WORK/perf.txt" 2>/dev/null || true
    awk '/^# (Samples|Event count)/' "$WORK/perf.txt"
    awk '/^ +[0-9.]+%/ && n++ < 15' "$WORK/perf.txt" |
        sed -E 's/([[:space:]]+-)+[[:space:]]*$//; s/[[:space:]]+$//' | cut -c1-200
}

# profile SECTION WHAT CMD...: perf record -g of CMD (stdout discarded), its top 15 appended as
# a code block to the section's profile file.
profile() {
    local section=$1 what=$2; shift 2
    local out=$WORK/profile-$section.md data=$WORK/perf.data
    say "profiling ($what): $(shown_cmd "$@")"
    {
        echo
        echo "Profile of the target not met ($what): \`perf record -g\` of \`$(shown_cmd "$@")\`, built with line tables; self time by symbol (\`perf report --no-children --stdio\`), top 15:"
        echo
        echo '```text'
        rm -f "$data"
        perf record -q -g -o "$data" -- "$@" >/dev/null 2>"$WORK/perf.err" || true
        if [[ -s $data ]]; then perf_top "$data"; else echo "perf record failed: $(head -c 300 "$WORK/perf.err")"; fi
        echo '```'
    } >> "$out"
}

# profile_tui SECTION: perf record -g of the app in tmux until its first frame.
profile_tui() {
    local out=$WORK/profile-$1.md data=$WORK/perf.data
    say "profiling the first frame"
    rm -f "$data"
    first_frame "perf record -q -g -o $data -- $PRT -v $INGEST 2>/dev/null" >/dev/null
    {
        echo
        echo "Profile of the target not met (first frame): \`perf record -g\` of \`recover-tui -v \$W/ingest\` in tmux until its first frame, built with line tables; self time by symbol, top 15:"
        echo
        echo '```text'
        if [[ -s $data ]]; then perf_top "$data"; else echo "perf record wrote nothing"; fi
        echo '```'
    } >> "$out"
}

# profile_render SECTION: perf record -g of the render bench's slowest screen (criterion's
# --profile-time), built with line tables.
profile_render() {
    local exe
    exe=$(CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_TARGET_DIR=$PROF_DIR cargo bench --bench render --no-run \
        --message-format=json 2>/dev/null | jq -r 'select(.reason == "compiler-artifact" and .target.name == "render") | .executable // empty' | tail -1) || true
    if [[ -z $exe ]]; then
        printf '\nProfile of the target not met (frame render): the render bench did not build with line tables.\n' >> "$WORK/profile-$1.md"
        return
    fi
    profile "$1" "frame render" "$exe" --bench --profile-time "$RENDER_SECS" "${RENDER_SLOW:-render}"
}

NOT_MET=()
for k in GBS RJQ IRSS FF PLAN INSPECT JL SNAP RESNAP DIFF RENDER; do
    v=OK_$k; [[ ${!v} == 1 ]] || NOT_MET+=("$k")
done
PROFILE_NOTE="no target was missed: no profile"
if ((${#NOT_MET[@]} > 0)); then
    if [[ $PROFILE != 1 ]]; then
        PROFILE_NOTE="targets missed (${NOT_MET[*]}), not profiled (PROFILE=$PROFILE)"
    elif [[ $HAVE_PERF != 1 ]]; then
        PROFILE_NOTE="targets missed (${NOT_MET[*]}), not profiled: \`perf\` is not installed"
    elif prof_build; then
        PROFILE_NOTE="targets missed (${NOT_MET[*]}): profiled with \`perf record -g\` on a build with line tables (\`CARGO_PROFILE_RELEASE_DEBUG=line-tables-only\`, target dir \`${PROF_DIR#"$ROOT"/}\`), under each section"
        what=()
        [[ $OK_GBS == 1 ]] || what+=("ingest GB/s")
        [[ $OK_RJQ == 1 ]] || what+=("ingest vs jq")
        [[ $OK_IRSS == 1 ]] || what+=("ingest peak RSS")
        if ((${#what[@]} > 0)); then
            w=$(printf '%s, ' "${what[@]}")
            # shellcheck disable=SC2086 # ONE_CORE is a command prefix of several words
            profile ingest "${w%, }" ${ONE_CORE} "$PRT" inspect "$INGEST" --json
        fi
        [[ $OK_PLAN == 1 ]] || profile plan "plan vs jq" "$PRT" plan "$PLAN" --json
        [[ $OK_INSPECT == 1 ]] || profile plan "inspect vs jq" "$PRT" inspect "$PLAN" --json
        [[ $OK_JL == 1 ]] || profile joblog "joblog peak RSS, every row read" "$PRT" inspect "$JL" --json
        if [[ $OK_SNAP == 0 || $OK_RESNAP == 0 ]]; then
            snap_cmd "$PRT" "$PSNAP"
            rm -rf "$STATE" && sync
            if [[ $OK_SNAP == 0 ]]; then profile snapshot "snapshot vs cp -a" "${SNAP_CMD[@]}"; else "${SNAP_CMD[@]}" >/dev/null; fi
            [[ $OK_RESNAP == 1 ]] || profile snapshot "re-snapshot vs cp -a" "${SNAP_CMD[@]}"
            rm -rf "$STATE"
        fi
        [[ $OK_DIFF == 1 ]] || profile diff "diff vs diff -u" "$PDIFF" "$OLD" "$NEW"
        [[ $OK_FF == 1 ]] || profile_tui tui
        [[ $OK_RENDER == 1 ]] || profile_render tui
    else
        PROFILE_NOTE="targets missed (${NOT_MET[*]}), not profiled: the build with line tables failed"
    fi
fi
# section_profile SECTION: the profiles of that section, if any.
section_profile() { [[ -f $WORK/profile-$1.md ]] && cat "$WORK/profile-$1.md"; return 0; }

# ---------------------------------------------------------------------------------------------
# Report

CPU=$(lscpu 2>/dev/null | awk -F': +' '/^Model name/ { print $2; exit }')
CORES=$(nproc)
RAM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
KERNEL=$(uname -sr)
FS=$(df -T "$WORK" | awk 'NR == 2 { print $2 " (" $1 ")" }')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT + uncommitted changes"
TIMER=$([[ $HAVE_HYPERFINE == 1 ]] && hyperfine --version || echo "bash loop with \$EPOCHREALTIME")
SIZES=""
[[ ${QUICK:-0} == 1 ]] && SIZES=" **QUICK=1: every size shrunk; these numbers do not measure the §17 shapes.**"
JL_SHAPE="$JOBLOG_JOBS jobs (Seqs) over $JL_RUNS appended runs of the whole command list"
((JOBLOG_JOBS == JOBLOG_ROWS)) && JL_SHAPE="$JOBLOG_JOBS distinct jobs, one row each"

{
cat <<EOF
# Benchmarks

Produced by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT. Every number
below comes from that one run; rerun the script to refresh the file. The micro-benchmarks of
the hot paths are in \`benches/hot_paths.rs\` (\`cargo bench --bench hot_paths\`).$SIZES

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
| duration | $(( (T_MEASURED - T_START) / 60 )) min of measuring after the build, $(( ($(date +%s) - T_MEASURED) / 60 )) min of profiling |

The machine is shared: other builds and tests ran at the same time, so absolute times are
noisy. Each comparison is timed in the same run, back to back (interleaved where marked), and
reported as a ratio.

## Targets (DESIGN.md §17)

| target | measured | |
|---|---|---|
| ingest >= 1 GB/s on one core | $GBS1 GB/s on one core ($GBS GB/s on $CORES cores) | $(met $OK_GBS) |
| ingest >= 8x faster than \`jq -c 'select(.type=="turn.failed")'\` | ${R_JQ1}x on one core (${R_JQ}x on $CORES cores) | $(met $OK_RJQ) |
| peak RSS of the ingest <= 64 MiB + 10% of the log bytes | $(mib "$INGEST_RSS") (limit $(mib "$RSS_LIMIT_KB")) | $(met $OK_IRSS) |
| first frame of the TUI < 100 ms | ${FIRST_FRAME_MS:-?} ms median from start to the first drawn screen, in tmux, on the ${LOG_GB} GB ingest run (the run loads after it, with progress) | $(met $OK_FF) |
| \`plan\` on a ${PLAN_BATCHES}-batch x ${PLAN_JOBS}-job run ($((PLAN_BATCHES * PLAN_JOBS)) jobs, $PLAN_LOG_FILES small logs) >= 4x faster than \`jq -c 'select(.type=="turn.failed")'\` over the same logs | ${R_PLAN}x ($(fmt_ms "$T_PLAN") vs jq $(fmt_ms "$T_JQP")) | $(met $OK_PLAN) |
| \`inspect\` on the same run >= 4x faster than that jq | ${R_INSPECT}x ($(fmt_ms "$T_INSPECT") vs jq $(fmt_ms "$T_JQP")) | $(met $OK_INSPECT) |
| peak RSS of \`inspect\` on a $(commas "$JOBLOG_ROWS")-row joblog ($(awk -v b="$JL_BYTES" 'BEGIN { printf "%.0f", b / 1e6 }') MB) <= 64 MiB + 10% of its bytes, every row read | $(mib "$JL_RSS") (limit $(mib "$JL_LIMIT_KB")); the failed row in the middle: $JL_FOUND_TEXT | $(met $OK_JL) |
| snapshot of a 1 GiB / 10,000-file set <= 1.5x \`cp -a\` | ${R_SNAP}x ($(fmt_ms "$T_SNAP") vs $(fmt_ms "$T_CP")) | $(met $OK_SNAP) |
| re-snapshot of the unchanged set <= 0.2x \`cp -a\` | ${R_RESNAP}x ($(fmt_ms "$T_RESNAP") vs $(fmt_ms "$T_CP")) | $(met $OK_RESNAP) |
| diff of two ${DIFF_LINES}-line files <= 2x GNU \`diff -u\` | ${R_DIFF}x ($(fmt_ms "$T_DO") vs $(fmt_ms "$T_DG")) | $(met $OK_DIFF) |
| frame render with 100,000 jobs < 5 ms | ${RENDER_MS} ms, the slowest screen (${RENDER_SLOW:-?}); \`cargo bench --bench render\` | $(met $OK_RENDER) |

Profiles: $PROFILE_NOTE.

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
$(section_profile ingest)

## 2. \`plan\` and \`inspect\` on a ${PLAN_BATCHES} x ${PLAN_JOBS} run vs jq

Run: \`$GEN_PLAN\` —
$((PLAN_BATCHES * PLAN_JOBS)) jobs in $PLAN_BATCHES batch scripts (the sparkq form: one \`codex exec ... &\` per job with its
prompt inline); batches 1..$PLAN_FAIL_BATCH ran, later batches did not (scripts only); $PLAN_LOG_FILES small \`codex exec --json\`
streams ($PLAN_LOG_BYTES bytes in all, about $PLAN_LOG_KB KB each: \`ls\`, \`sed -n\` reads of the imported modules,
the file change with its diff, py_compile and pytest), an empty stderr capture and an output file
per job that ran, a Haiku validation report per batch that ran; one job of batch $PLAN_FAIL_BATCH fails with
ModuleNotFoundError. $PLAN_FILES files, $PLAN_TREE_BYTES bytes in all. Verdict: \`$PLAN_VERDICT\`. The page cache
was warmed first. The three commands were timed interleaved ($RUNS rounds of one run each,
after a warm-up round); jq is one process over the $PLAN_LOG_FILES logs, passed as arguments (it printed
$JQ_PLAN_HITS lines: the streams have no \`turn.failed\`; the failure is in the validation report).

| command | median | best | vs jq | CPU (user + sys) | peak RSS |
|---|---|---|---|---|---|
| \`recover-tui plan DIR --json\` | $(fmt_ms "$T_PLAN") | $(fmt_ms "$(min_of plan)") | ${R_PLAN}x | $(fmt_ms "$(ucpu_of plan)") | $(mib "$(rss_of plan)") |
| \`recover-tui inspect DIR --json\` | $(fmt_ms "$T_INSPECT") | $(fmt_ms "$(min_of inspect)") | ${R_INSPECT}x | $(fmt_ms "$(ucpu_of inspect)") | $(mib "$(rss_of inspect)") |
| \`jq -c 'select(.type=="turn.failed")' LOGS\` | $(fmt_ms "$T_JQP") | $(fmt_ms "$(min_of jq_plan)") | 1x | $(fmt_ms "$(ucpu_of jq_plan)") | $(mib "$(rss_of jq_plan)") |
$(section_profile plan)

## 3. \`inspect\` of a large joblog

Joblog: \`$GEN_JL\` — one GNU parallel \`--joblog\` (\`$JL_REL\`, alone in its directory:
no prompt files, no logs), $JOBLOG_ROWS rows, $JL_BYTES bytes: $JL_SHAPE
(\`parallel --joblog +FILE\`, each run's rows in completion order; the Command a
\`codex exec ... - < _build/prompts/b1-jN.md > _build/logs/b1-jN.jsonl 2> ...\` line). Every row exits 0
but the middle one (line $JL_LINE, Seq $JL_SEQ, Exitval 1), after which that job was not run again, so
only a reader that reads the middle of the file sees that it failed. \`inspect\` saw $JL_JOBS_SEEN jobs,
$JL_FAILED failed; the middle row: $JL_FOUND_TEXT. Peak RSS limit: 64 MiB + 10% of $JL_BYTES bytes
= $(mib "$JL_LIMIT_KB"). Timed interleaved ($RUNS rounds), the file in the page cache.

| command | median | vs awk | vs \`wc -l\` | CPU (user + sys) | peak RSS |
|---|---|---|---|---|---|
| \`recover-tui inspect DIR --json\` | $(fmt_ms "$T_JLI") | $(ratio "$T_JLA" "$T_JLI")x | $(ratio "$T_JLW" "$T_JLI")x | $(fmt_ms "$(ucpu_of jl_inspect)") | $(mib "$JL_RSS") |
| \`awk -F '\t' 'NR > 1 && \$7 != 0' FILE\` (the failed rows) | $(fmt_ms "$T_JLA") | 1x | | $(fmt_ms "$(ucpu_of jl_awk)") | $(mib "$(rss_of jl_awk)") |
| \`wc -l FILE\` (I/O floor) | $(fmt_ms "$T_JLW") | | 1x | $(fmt_ms "$(ucpu_of jl_wc)") | $(mib "$(rss_of jl_wc)") |

"vs" is the peer's time over recover-tui's (above 1x: recover-tui is faster).
$(section_profile joblog)

## 4. Snapshot vs \`cp -a\`

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
$(section_profile snapshot)

## 5. Diff of two ${DIFF_LINES}-line files

Files: ${DIFF_LINES} generated lines; the new one changes every 97th line, drops every 1009th and inserts
a line after every 1511th. Driver: \`examples/diff_bench.rs\` (calls \`core::store::diff::diff_bytes\`,
Myers, writes the unified diff to stdout like \`diff -u\`). Output vs GNU diff: $DIFF_SAME.

| command | median | vs \`diff -u\` | peak RSS |
|---|---|---|---|
| \`diff -u OLD NEW\` | $(fmt_ms "$T_DG") | 1x | $(mib "$DIFF_GNU_RSS") |
| \`diff_bench OLD NEW\` | $(fmt_ms "$T_DO") | ${R_DIFF}x | $(mib "$DIFF_RSS") |
$(section_profile diff)

## 6. The TUI

First frame: \`recover-tui -v \$W/ingest\` in a detached tmux terminal (160x45), $RUNS runs; the time is
the app's own log line "first frame drawn N ms after start" (runs: ${FIRST_FRAMES[*]:-none} ms).
Frame render: \`cargo bench --bench render\` (ratatui \`TestBackend\` 200x50, criterion,
${RENDER_SECS} s of measurement per screen); the slowest screen's median is the one shown above.
$(section_profile tui)

## Exact commands

\`\$W\` is the script's temporary directory (here \`$WORK\`, removed afterwards); \`\$JSONL\` is
the list of the ${#JSONL[@]} \`*.jsonl\` files under \`\$W/ingest\` (sorted), \`\$PLAN_JSONL\` the $PLAN_LOG_FILES under
\`\$W/plan\`, passed as arguments.

\`\`\`text
$(awk -F'\t' '{ printf "%-14s %s\n", $1, $6 }' "$RESULTS")
\`\`\`

All timings (seconds; CPU = mean user + system time of a run, where measured):

| label | median | min | max | runs | CPU |
|---|---|---|---|---|---|
$(awk -F'\t' '{ printf "| %s | %.4f | %.4f | %.4f | %s | %s |\n", $1, $2, $3, $4, $5, ($7 == "-" ? "-" : sprintf("%.4f", $7)) }' "$RESULTS")

Peak RSS and CPU by \`/usr/bin/time -v\` (median of 3 runs each):

| label | peak RSS | CPU (user + sys) |
|---|---|---|
$(awk -F'\t' '{ printf "| %s | %.1f MiB | %.3f s |\n", $1, $2 / 1024, $3 }' "$USAGE")
EOF
if [[ -f scripts/bench-notes.md ]]; then
    echo
    cat scripts/bench-notes.md
fi
} > "$OUT"

say "wrote $OUT"
grep -E '^\| (ingest|peak|first|`plan`|`inspect`|snapshot|re-snapshot|diff|frame)' "$OUT" >&2 || true
