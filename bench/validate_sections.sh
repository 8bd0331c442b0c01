#!/usr/bin/env bash
# Time of `smartmeter-config validate` over a configuration of N sections (default 200 000: about 4.9 MB), release
# build. Validation reads the file in one pass and checks each section once, so the time grows linearly with N.
#
#   bench/validate_sections.sh [N...]
#
# Result on the shared 2-core machine (user CPU seconds): 50 000 sections 0.49 s, 100 000 0.98 s, 200 000 2.4 s;
# before issue 17 (iniparser's loader, which searches its whole dictionary for every key) 200 000 took 126 s.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product smartmeter-config >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in "${@:-200000}"; do
    {
        printf '[reader0]\ntype = lge450\nfile = %s\n' "$PWD/testdata/hdlc/lge450-gbt-2-messages.hex"
        for ((i = 0; i < n; i++)); do printf '[sink%d]\ntype = logger\n' "$i"; done
    } > "$work/sections.ini"
    /usr/bin/time -f "$n sections ($(stat -c %s "$work/sections.ini") bytes): %U s user, %e s elapsed, %M KB" \
        .build/release/smartmeter-config validate -q -c "$work/sections.ini"
done
