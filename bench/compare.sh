#!/usr/bin/env bash
# Side-by-side benchmark of this collector and the implementations it replaces (issue #9): smartmeter-datacollector
# 2.0.0 (gurux-dlms) and dsmr_parser 1.11.2, installed from PyPI into a throwaway venv. Both decode the same
# generated streams (Benchmarks/StreamGenerator) and run as collectors on the same pseudo-terminal set-ups
# (Benchmarks/CollectorMQTTBenchmark). Prints one table: ours, the reference, the ratio and the target of every
# figure; everything it measured stays in RESULTS_DIR as JSON (results.json is the table).
# Not part of the tests or CI. About 6 minutes on 2 cores once the release build exists.
#
#   bench/compare.sh [--out RESULTS_DIR] [--rss-seconds N] [--rss-rate R] [--deb] [--no-build]
#   bench/compare.sh --rss-hours H [--out RESULTS_DIR] [--no-build]     (the .deb's binary when there is one)
#
# --rss-seconds/--rss-rate: the memory run (MQTT over TLS + CSV), default 60 s at 10 readings/s.
# --rss-hours H: only the long memory run of ours (H hours at 1 reading/s, RSS every minute, into
#   ours-rss-long.json), then the table again with the other figures of the last full run in RESULTS_DIR.
# --deb: build the .deb with scripts/build-deb when dist/ has none (a full release build, several minutes).
# --no-build: use the release binaries in .build as they are (e.g. while a long memory run uses them).
#
# Heap allocations are counted by bench/malloc-count.c, preloaded (LD_PRELOAD): it replaces malloc, calloc,
# realloc and the aligned allocators with glibc's own plus a counter the harnesses read before and after the
# steady-state part (the first 1000 of 100 000 messages are warm-up). The reference runs with PYTHONMALLOC=malloc
# so that Python's small objects, otherwise served from its own arenas, are counted too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.build/bench-results
rss_seconds=60
rss_rate=10
rss_hours=""
build_deb=no
build=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$(realpath -m "$2"); shift 2 ;;
        --rss-seconds) rss_seconds=$2; shift 2 ;;
        --rss-rate) rss_rate=$2; shift 2 ;;
        --rss-hours) rss_hours=$2; shift 2 ;;
        --deb) build_deb=yes; shift ;;
        --no-build) build=no; shift ;;
        *) sed -n '2,23p' "$0"; exit 2 ;;
    esac
done
mkdir -p "$out"
streams=$root/.build/bench-streams
. bench/release-build.sh
if [ "$build" = yes ]; then release_build; fi   # the benchmarks, all of them
bin=$root/.build/release
bench=$root/Benchmarks/.build/release
[ -x "$bin/smartmeter-datacollector" ] && [ -x "$bench/DecodeBenchmark" ] || { echo "release build failed" >&2; exit 1; }

if [ -n "$rss_hours" ]; then
    seconds=$(python3 -c "print(int(float('$rss_hours') * 3600))")
    [ -e "$streams/streams.json" ] || "$bench/StreamGenerator" --out "$streams" >&2
    # The package's binary when scripts/build-deb made one (what users run), else the release build.
    long_collector=$bin/smartmeter-datacollector
    [ -x .build-deb/release/smartmeter-datacollector ] && long_collector=$root/.build-deb/release/smartmeter-datacollector
    step "memory run of ours ($long_collector): $rss_hours h at 1 reading/s, MQTT (TLS) + CSV, RSS every minute"
    "$bench/CollectorMQTTBenchmark" --rss "$seconds" --rate 1 --sample-every 60 --stream "$streams/e450-gbt.bin" \
        --collector "$long_collector" --json "$out/ours-rss-long.json"
    python3 bench/report.py "$out"
    exit 0
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
os=$(. /etc/os-release && echo "$PRETTY_NAME")
swift_version=$(swift --version 2>&1 | head -1)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$out/machine.json" "$cpu" "$(nproc)" "$os" "$swift_version" "$load_start" <<'PY'
import json, sys
path, cpu, cores, os_name, swift, load = sys.argv[1:]
json.dump({"cpu": cpu, "cores": int(cores), "os": os_name, "swift": swift, "load_start": load}, open(path, "w"))
PY

venv=$(mktemp -d /tmp/bench-venv.XXXXXX)
trap 'rm -rf "$venv"' EXIT
step "references from PyPI into $venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check smartmeter-datacollector==2.0.0 dsmr-parser==1.11.2 >&2
python=$venv/bin/python

step "malloc counter"
cc -shared -fPIC -O2 -o "$out/malloc-count.so" bench/malloc-count.c
preload=$out/malloc-count.so

if [ ! -e "$streams/streams.json" ]; then
    step "generating 100 000 E450, 100 000 E570 (AES-GCM) and 100 000 Fluvius messages"
    "$bench/StreamGenerator" --out "$streams" >&2
fi

step "decode, ours (100 000 messages per stream)"
"$bench/DecodeBenchmark" --streams "$streams" --json "$out/ours-decode.json"
step "decode, ours, counting allocations"
LD_PRELOAD=$preload "$bench/DecodeBenchmark" --streams "$streams" --json "$out/ours-allocations.json"

step "decode, ours: instructions per message (callgrind, 2000 vs 4000 messages; independent of the machine's load)"
for n in 2000 4000; do
    [ -e "$out/streams-$n/streams.json" ] || "$bench/StreamGenerator" --out "$out/streams-$n" --messages $n --telegrams $n >/dev/null
done
for name in e450 e570 fluvius; do
    for n in 2000 4000; do
        printf '%s %s ' "$name" "$n"
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench/DecodeBenchmark" --streams "$out/streams-$n" \
            --only "$name" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    done
done > "$out/ours-instructions.txt"
python3 - "$out/ours-instructions.txt" "$out/ours-instructions.json" <<'PY'
import json, sys
counts = {}
for line in open(sys.argv[1]):
    name, n, instructions = line.split()
    counts.setdefault(name, {})[int(n)] = int(instructions)
json.dump({name: (c[4000] - c[2000]) / 2000 for name, c in counts.items()}, open(sys.argv[2], "w"))
PY
cat "$out/ours-instructions.json"; echo

step "decode, references (the first messages of the same streams)"
e570_key=$(python3 -c "import json; s=json.load(open('$streams/streams.json'))['streams']; print([x for x in s if x['file'].startswith('e570')][0]['key'])")
(cd bench
 $python reference_dlms.py --stream "$streams/e450-gbt.bin" --meter lge450 --messages 3000 > "$out/reference-e450.json"
 $python reference_dlms.py --stream "$streams/e570-gbt-gcm.bin" --meter lge570 --key "$e570_key" --messages 1000 \
     > "$out/reference-e570.json"
 $python reference_dsmr.py --stream "$streams/fluvius.txt" --telegrams 5000 > "$out/reference-fluvius.json"
 export LD_PRELOAD=$preload PYTHONMALLOC=malloc
 $python reference_dlms.py --stream "$streams/e450-gbt.bin" --meter lge450 --messages 300 > "$out/reference-e450-allocations.json"
 $python reference_dlms.py --stream "$streams/e570-gbt-gcm.bin" --meter lge570 --key "$e570_key" --messages 100 \
     > "$out/reference-e570-allocations.json"
 $python reference_dsmr.py --stream "$streams/fluvius.txt" --telegrams 300 > "$out/reference-fluvius-allocations.json")
cat "$out"/reference-e450.json "$out"/reference-e570.json "$out"/reference-fluvius.json

step "collector through MQTT QoS 1: latency, readings/s, CPU per reading (ours)"
"$bench/CollectorMQTTBenchmark" 300 20000 --json "$out/ours-throughput.json"
step "the same for the reference collector (mqtt layout, its QoS 0)"
"$bench/CollectorMQTTBenchmark" 100 1000 --reference --collector "$venv/bin/smartmeter-datacollector" \
    --json "$out/reference-throughput.json"

step "start-up to the first reading"
"$bench/CollectorMQTTBenchmark" --startup 20 --json "$out/ours-startup.json"
"$bench/CollectorMQTTBenchmark" --startup 5 --reference --collector "$venv/bin/smartmeter-datacollector" \
    --json "$out/reference-startup.json"

step "memory: $rss_seconds s at $rss_rate readings/s, MQTT (TLS) + CSV"
"$bench/CollectorMQTTBenchmark" --rss "$rss_seconds" --rate "$rss_rate" --sample-every 10 \
    --stream "$streams/e450-gbt.bin" --json "$out/ours-rss.json"
"$bench/CollectorMQTTBenchmark" --rss "$rss_seconds" --rate "$rss_rate" --sample-every 10 --http yes \
    --stream "$streams/e450-gbt.bin" --json "$out/ours-rss-http.json"
"$bench/CollectorMQTTBenchmark" --rss "$rss_seconds" --rate "$rss_rate" --sample-every 10 \
    --stream "$streams/e450-gbt.bin" --reference --collector "$venv/bin/smartmeter-datacollector" \
    --json "$out/reference-rss.json"

if [ -x .build-deb/release/smartmeter-datacollector ]; then
    step "memory, the same with the binary of the last scripts/build-deb (Swift runtime linked in statically)"
    "$bench/CollectorMQTTBenchmark" --rss "$rss_seconds" --rate "$rss_rate" --sample-every 10 \
        --stream "$streams/e450-gbt.bin" --collector "$root/.build-deb/release/smartmeter-datacollector" \
        --json "$out/ours-deb-rss.json"
else
    rm -f "$out/ours-deb-rss.json"
fi

step "replay and decode of captures (issue #19): whole-process rates, peak RSS of 20 000 and 200 000 messages"
replay_streams=$root/.build/replay-streams
for n in 20000 200000; do
    dir=$replay_streams/$((n / 1000))k
    [ -e "$dir/e450-gbt.bin" ] || "$bench/StreamGenerator" --out "$dir" --messages "$n" --telegrams 10 >/dev/null
done
"$bench/ReplayBenchmark" --bin "$bin" --small "$replay_streams/20k" --large "$replay_streams/200k" --json "$out/ours-replay.json"

deb=$(ls -t dist/smartmeter-datacollector_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ] && [ "$build_deb" = yes ]; then
    step "building the .deb"
    scripts/build-deb >&2
    deb=$(ls -t dist/smartmeter-datacollector_*.deb | head -1)
fi
if [ -n "$deb" ]; then
    python3 -c "import json, os; json.dump({'file': '$deb', 'bytes': os.path.getsize('$deb')}, open('$out/deb.json', 'w'))"
else
    rm -f "$out/deb.json"
fi

python3 - "$out/machine.json" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
machine = json.load(open(sys.argv[1])); machine["load_end"] = sys.argv[2]; json.dump(machine, open(sys.argv[1], "w"))
PY
step "table"
python3 bench/report.py "$out"
