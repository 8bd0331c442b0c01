#!/usr/bin/env bash
# Replay and decode figures of issue #19 on release binaries: whole-process rates of `smartmeter-config decode`
# (binary and hex text, into /dev/null and a file) and of the collector replaying a capture at replay_speed = max
# into jsonl, csv and a local PostgreSQL 15, and the peak RSS of replaying 20 000 and 200 000 messages.
# Streams come from Benchmarks/StreamGenerator (E450, 6 HDLC frames per message). Not part of the tests or CI.
#
#   bench/replay.sh [--out RESULTS_DIR] [--no-build] [--no-postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.build/bench-results
build=yes
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$(realpath -m "$2"); shift 2 ;;
        --no-build) build=no; shift ;;
        --no-postgres) extra+=(--no-postgres); shift ;;
        *) sed -n '2,7p' "$0"; exit 2 ;;
    esac
done
mkdir -p "$out"
step() { echo "== $(date +%H:%M:%S) $*" >&2; }
if [ "$build" = yes ]; then
    step "release build"
    for product in smartmeter-datacollector smartmeter-config; do
        swift build -c release --product "$product" 2>&1 | grep -E "error|Build" >&2 || true
    done
    # The benchmarks are a package of their own (Benchmarks/Package.swift), built in Benchmarks/.build.
    for product in StreamGenerator ReplayBenchmark; do
        swift build -c release --package-path Benchmarks --product "$product" 2>&1 | grep -E "error|Build" >&2 || true
    done
fi
bin=$root/.build/release
bench=$root/Benchmarks/.build/release
streams=$root/.build/replay-streams
for n in 20000 200000; do
    dir=$streams/$((n / 1000))k
    [ -e "$dir/e450-gbt.bin" ] || { step "streams: $n E450 messages"; "$bench/StreamGenerator" --out "$dir" --messages "$n" --telegrams 10 >&2; }
done
step "measuring"
"$bench/ReplayBenchmark" --bin "$bin" --small "$streams/20k" --large "$streams/200k" --json "$out/replay.json" "${extra[@]}"
