#!/usr/bin/env bash
# Replay and decode figures of issue #19 on release binaries: whole-process rates of `smartmeter-config decode`
# (binary and hex text, into /dev/null and a file) and of the collector replaying a capture at replay_speed = max
# into jsonl, csv and a local PostgreSQL 15, and the peak RSS of replaying 20 000 and 200 000 messages.
# Streams come from Benchmarks/StreamGenerator (E450, 6 HDLC frames per message). Not part of the tests or CI.
#
# Rates are wall time and depend on what else runs on the machine: every rate comes with its run's CPU time and the
# load average, and (with valgrind) the instructions per reading of the whole `decode` process, which do not.
# --save: also keep the figures as bench/replay-result.json (what the README's table is made from).
#
#   bench/replay.sh [--out RESULTS_DIR] [--no-build] [--no-postgres] [--save]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.build/bench-results
build=yes
save=no
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$(realpath -m "$2"); shift 2 ;;
        --no-build) build=no; shift ;;
        --no-postgres) extra+=(--no-postgres); shift ;;
        --save) save=yes; shift ;;
        *) sed -n '2,11p' "$0"; exit 2 ;;
    esac
done
mkdir -p "$out"
. bench/release-build.sh
if [ "$build" = yes ]; then release_build StreamGenerator ReplayBenchmark; fi
bin=$root/.build/release
bench=$root/Benchmarks/.build/release
streams=$root/.build/replay-streams
for n in 20000 200000; do
    dir=$streams/$((n / 1000))k
    [ -e "$dir/e450-gbt.bin" ] || { step "streams: $n E450 messages"; "$bench/StreamGenerator" --out "$dir" --messages "$n" --telegrams 10 >&2; }
done
step "measuring"
"$bench/ReplayBenchmark" --bin "$bin" --small "$streams/20k" --large "$streams/200k" --json "$out/replay.json" "${extra[@]}"
# Instructions per reading of the whole process (all threads, start-up included), 20 000 messages, binary and hex.
if command -v valgrind >/dev/null; then
    step "callgrind: decode of 20 000 messages"
    small=$streams/20k/e450-gbt.bin
    [ -e "$small.hex" ] || python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); open(sys.argv[1] + '.hex', 'w').write(''.join('%02X%s' % (x, chr(10) if i % 32 == 31 else ' ') for i, x in enumerate(b)))" "$small"
    for kind in bin hex; do
        input=$small; [ "$kind" = hex ] && input=$small.hex
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/smartmeter-config" decode --type lge450 "$input" \
            2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' > "$out/callgrind-$kind"
    done
    python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
figures = json.load(open(f"{out}/replay.json"))
for kind, name in (("bin", "binary"), ("hex", "hex")):
    text = open(f"{out}/callgrind-{kind}").read().strip()
    if text:
        figures[f"decode {name} instructions per reading (callgrind, 20 000 messages, whole process)"] = round(int(text) / 20000)
json.dump(figures, open(f"{out}/replay.json", "w"), indent=2, sort_keys=True)
PY
fi
if [ "$save" = yes ]; then cp "$out/replay.json" "$root/bench/replay-result.json"; fi
cat "$out/replay.json"
