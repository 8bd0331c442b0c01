import Foundation
import TestSupport
import Testing

let packageRoot = BuiltProducts.packageRoot

let testdata = packageRoot.appendingPathComponent("testdata/hdlc")

let collectorBinary = BuiltProducts.binary("smartmeter-datacollector", folder: "collector")

/// The environment of a collector a test starts: ours without SMARTMETER__ overrides or journald's variable, TZ=UTC,
/// a state folder of its own (a spool without spool_dir goes there: the test's folder or a fresh one, never one
/// shared by tests or the user's own), and `extra` on top.
func collectorEnvironment(_ extra: [String: String] = [:], directory: String? = nil) -> [String: String] {
    var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SMARTMETER__") }
    merged.removeValue(forKey: "JOURNAL_STREAM")
    merged["TZ"] = "UTC"
    merged.removeValue(forKey: "XDG_STATE_HOME")
    merged["STATE_DIRECTORY"] = directory ?? FileManager.default.temporaryDirectory
        .appendingPathComponent("collector-state-\(UUID().uuidString)").path
    return merged.merging(extra) { $1 }
}

/// Starts the collector (behind `wrapper`, a command such as setpriv that runs it) with output collected.
func launchCollector(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                    wrapper: [String] = []) throws -> RunningProcess {
    let command = wrapper + [collectorBinary] + arguments
    return try RunningProcess(command[0], Array(command.dropFirst()),
                              environment: collectorEnvironment(environment, directory: directory), directory: directory)
}

/// Starts the collector and waits until its log holds `line` (10 s at most).
func launchCollector(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                    until line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> RunningProcess {
    let collector = try launchCollector(arguments, environment: environment, directory: directory)
    #expect(eventually(timeout: 10) { collector.stderr.contents.contains(line) }, "\(collector.stderr.contents)",
            sourceLocation: sourceLocation)
    return collector
}

/// Runs the collector to its end and returns (status, stdout, stderr); status nil when it had to be killed.
func runCollector(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                  timeout: Double = 20) throws -> (status: Int32?, stdout: String, stderr: String) {
    let running = try launchCollector(arguments, environment: environment, directory: directory)
    let status = running.waitForExit(timeout: timeout)
    return (status, running.stdout.contents, running.stderr.contents)
}

/// The bytes of a capture in testdata/hdlc: one hex frame per line.
func captureFrames(_ name: String) throws -> [[UInt8]] {
    let text = try String(contentsOf: testdata.appendingPathComponent(name + ".hex"), encoding: .utf8)
    return text.split(separator: "\n").map { line in
        line.split(separator: " ").compactMap { UInt8($0, radix: 16) }
    }.filter { !$0.isEmpty }
}

/// The lines of a JSON-lines file as dictionaries.
func jsonLines(_ path: String) throws -> [[String: Any]] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return try text.split(separator: "\n").map { line in
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    }
}

/// The value of the first data point of `type` in a decoded JSON reading.
func value(_ reading: [String: Any], _ type: String) -> Any? {
    (reading["values"] as? [[String: Any]])?.first { $0["type"] as? String == type }?["value"]
}

/// Whether the collector runs under AddressSanitizer or ThreadSanitizer: this test process was built with one (and so
/// the collector beside it), or `SMARTMETER_BINARIES_SANITIZED` says that the binaries of `SMARTMETER_BIN_DIR` were
/// (scripts/sanitizer-suites). The collector is then several times slower, shutdown bounds are widened and its
/// resident memory is not compared.
let runsUnderSanitizer: Bool = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil
    || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
    || ProcessInfo.processInfo.environment["SMARTMETER_BINARIES_SANITIZED"] != nil
