# Sourced by the bench scripts (not a command): `step` prints a timed heading, `release_build` builds the two
# programs and the benchmarks (a package of their own, Benchmarks/Package.swift, built in Benchmarks/.build) in
# release mode: every benchmark product, or only those named.
step() { echo "== $(date +%H:%M:%S) $*" >&2; }

release_build() {
    step "release build"
    for product in smartmeter-datacollector smartmeter-config; do
        swift build -c release --product "$product" 2>&1 | grep -E "error|Compiling|Build" >&2 || true
    done
    if [ $# -eq 0 ]; then
        swift build -c release --package-path Benchmarks 2>&1 | grep -E "error|Compiling|Build" >&2 || true
    fi
    for product in "$@"; do
        swift build -c release --package-path Benchmarks --product "$product" 2>&1 | grep -E "error|Compiling|Build" >&2 || true
    done
}
