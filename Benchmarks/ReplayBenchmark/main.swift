import Foundation
import TestSupport

// Whole-process rates and memory of replaying and decoding captures (issue #19), on release binaries:
//
//   decode: `smartmeter-config decode` of the LARGE E450 stream, binary and as hex text, into /dev/null and a file
//   replay: the collector replaying the LARGE stream (`replay_speed = max`) into jsonl (/dev/null, a file) and csv,
//           and the SMALL one into a local PostgreSQL 15 (TestSupport.PostgresServer; skipped when not installed)
//   memory: the peak RSS (ru_maxrss) of replaying SMALL and LARGE messages into jsonl and csv
//
//   ReplayBenchmark --bin .build/release --small DIR_20K --large DIR_200K [--json FILE] [--no-postgres]
//                   [--only decode|replay|memory|postgresql]
//
// DIR_* hold `e450-gbt.bin` from StreamGenerator (--messages 20000 / 200000). Prints one line per figure; with
// --json, writes them as a JSON object too. Best of three runs for the rates.

var bin = ".build/release"
var small = ".build/replay-streams/20k"
var large = ".build/replay-streams/200k"
var jsonPath: String?
var postgres = true
var only: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--bin": bin = arguments.popFirst() ?? bin
    case "--small": small = arguments.popFirst() ?? small
    case "--large": large = arguments.popFirst() ?? large
    case "--json": jsonPath = arguments.popFirst()
    case "--no-postgres": postgres = false
    case "--only": only = arguments.popFirst()
    default:
        FileHandle.standardError.write(Data("usage: ReplayBenchmark [--bin DIR] [--small DIR] [--large DIR] [--json FILE] [--no-postgres] [--only decode|replay|memory|postgresql]\n".utf8))
        exit(2)
    }
}

let work = NSTemporaryDirectory() + "replay-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }
let config = bin + "/smartmeter-config"
let collector = bin + "/smartmeter-datacollector"
var figures: [String: Double] = [:]

@MainActor func report(_ name: String, _ value: Double, _ unit: String) {
    figures[name] = value
    let text = value >= 1000 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    let padded = name.padding(toLength: 44, withPad: " ", startingAt: 0)
    FileHandle.standardOutput.write(Data("\(padded) \(String(repeating: " ", count: max(0, 12 - text.count)))\(text) \(unit)\n".utf8))
}

/// The count of readings a run reported (`readings N` in decode's summary, `published N` in the collector's log).
func readings(in log: String, after key: String) -> Int {
    guard let range = log.range(of: key, options: .backwards) else { return 0 }
    return Int(log[range.upperBound...].prefix { $0.isNumber }) ?? 0
}

func best(_ runs: Int = 3, _ body: () throws -> Run) rethrows -> Run {
    var bestRun: Run?
    for _ in 0..<runs {
        let run = try body()
        if bestRun == nil || run.seconds < bestRun!.seconds { bestRun = run }
    }
    return bestRun!
}

func hexCopy(of path: String) throws -> String {
    let target = path + ".hex"
    if FileManager.default.fileExists(atPath: target) { return target }
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let digits = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 3)
    for (index, byte) in bytes.enumerated() {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
        out.append(index % 32 == 31 ? 0x0A : 0x20)
    }
    try Data(out).write(to: URL(fileURLWithPath: target))
    return target
}

func replayConfig(_ capture: String, sinks: String) throws -> String {
    let path = work + "/c-\(UUID().uuidString.prefix(6)).ini"
    try """
        [reader0]
        type = lge450
        file = \(capture)
        replay_speed = max
        timezone = Europe/Zurich
        \(sinks)
        [logging]
        default = INFO
        """.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o600)
    return path
}

func replay(_ capture: String, sinks: String) throws -> Run {
    let run = try Run.start([collector, "-c", try replayConfig(capture, sinks: sinks)])
    guard run.status == 0 else { throw BenchmarkError("collector failed (\(run.status)): \(run.stderr.suffix(2000))") }
    return run
}

let smallBin = small + "/e450-gbt.bin"
let largeBin = large + "/e450-gbt.bin"
let largeHex = try hexCopy(of: largeBin)

func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}
FileHandle.standardOutput.write(Data("load average at start: \(loadAverage())\n".utf8))
figures["load average at start"] = Double(loadAverage().split(separator: " ").first ?? "") ?? -1

/// The wall and CPU time of a rate's run beside the rate (the machine may be loaded: CPU time is what to compare).
@MainActor func times(_ name: String, _ run: Run) {
    figures[name + " wall s"] = (run.seconds * 1000).rounded() / 1000
    figures[name + " cpu s"] = (run.cpuSeconds * 1000).rounded() / 1000
}

@MainActor func selected(_ section: String) -> Bool { only == nil || only == section }

// decode
for (label, capture) in [("binary", largeBin), ("hex", largeHex)] where selected("decode") {
    for (target, path) in [("/dev/null", "/dev/null"), ("file", work + "/decode.jsonl")] {
        let run = try best { try Run.start([config, "decode", "--type", "lge450", capture], stdout: path) }
        let count = readings(in: run.stderr, after: "readings ")
        report("decode \(label) -> \(target)", Double(count) / run.seconds, "readings/s (\(count) in \(String(format: "%.3f", run.seconds)) s, CPU \(String(format: "%.3f", run.cpuSeconds)) s)")
        figures["decode \(label) -> \(target) messages"] = Double(count)
        times("decode \(label) -> \(target)", run)
    }
}

// replay into jsonl and csv
let jsonFile = work + "/replay.jsonl"
let cases: [(String, () -> String)] = [
    ("jsonl -> /dev/null", { "[sink0]\ntype = jsonl\nfile = /dev/null" }),
    ("jsonl -> file", { unlink(jsonFile); return "[sink0]\ntype = jsonl\nfile = \(jsonFile)" }),
    ("csv -> directory", {
        try? FileManager.default.removeItem(atPath: work + "/csv")
        return "[sink0]\ntype = csv\ndirectory = \(work)/csv"
    }),
]
for (label, sinks) in cases where selected("replay") {
    let run = try best { try replay(largeBin, sinks: sinks()) }
    let count = readings(in: run.stderr, after: "published ")
    report("replay \(label)", Double(count) / run.seconds, "readings/s (\(count) in \(String(format: "%.3f", run.seconds)) s, CPU \(String(format: "%.3f", run.cpuSeconds)) s)")
    figures["replay \(label) messages"] = Double(count)
    times("replay \(label)", run)
}

// memory
for (label, sinks) in cases where selected("memory") {
    for (size, capture) in [("20k", smallBin), ("200k", largeBin)] {
        // The median of three runs: a run of a tenth of a second has touched more or less of the shared libraries'
        // pages (most of the RSS), which makes single figures a megabyte or two apart.
        let runs = try (0..<3).map { _ in try replay(capture, sinks: sinks()) }.sorted { $0.peakKB < $1.peakKB }
        let run = runs[1]
        let count = readings(in: run.stderr, after: "published ")
        report("peak RSS replay \(size) \(label)", Double(run.peakKB) / 1024,
               "MB, median of 3 (\(runs.map { String(format: "%.1f", Double($0.peakKB) / 1024) }.joined(separator: " / ")); \(count) readings, \(String(format: "%.2f", run.seconds)) s)")
    }
}

// PostgreSQL, best of three like the rates above: each run on a fresh server (fresh tables, fresh spool), 20 000
// messages (start-up, connection and making the tables are a fifth of such a run) and 200 000; then 20 000 into
// tables that are there, emptied (a backfill into a database in use).
func postgresSink(_ server: PostgresServer, spool: String) -> String {
    """
    [sink0]
    type = postgresql
    host = 127.0.0.1
    port = \(server.port)
    user = postgres
    password = \(PostgresServer.password)
    sslmode = disable
    spool_dir = \(spool)
    """
}

@MainActor func postgresReplay(_ name: String, _ capture: String, tablesThere: Bool) throws {
    var server = try PostgresServer()
    if tablesThere {  // makes the tables (not counted)
        _ = try replay(capture, sinks: postgresSink(server, spool: work + "/spool-" + UUID().uuidString.prefix(6)))
    }
    let run = try best {
        if tablesThere {
            _ = try? server.query("TRUNCATE elec_measurement, mbus_measurement, peak_demand, peak_demand_history")
        } else {
            server = try PostgresServer()
        }
        let spool = work + "/spool-" + UUID().uuidString.prefix(6)
        return try replay(capture, sinks: postgresSink(server, spool: spool))
    }
    let stored = readings(in: run.stderr, after: "stored ")
    figures[name + " messages"] = Double(stored)
    times(name, run)
    report(name, Double(stored) / run.seconds,
           "readings/s (\(stored) stored, \(String(format: "%.2f", run.seconds)) s, CPU \(String(format: "%.2f", run.cpuSeconds)) s, peak \(run.peakKB / 1024) MB)")
}

if postgres && selected("postgresql") && PostgresServer.isInstalled {
    try postgresReplay("replay postgresql (fresh tables)", smallBin, tablesThere: false)
    try postgresReplay("replay postgresql (tables there)", smallBin, tablesThere: true)
    try postgresReplay("replay postgresql 200k (fresh tables)", largeBin, tablesThere: false)
}

FileHandle.standardOutput.write(Data("load average at end: \(loadAverage())\n".utf8))
figures["load average at end"] = Double(loadAverage().split(separator: " ").first ?? "") ?? -1

if let jsonPath {
    let data = try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: jsonPath))
}
