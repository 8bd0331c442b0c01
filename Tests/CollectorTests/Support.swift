import Foundation
import TestSupport
import Synchronization

/// The package root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let testdata = packageRoot.appendingPathComponent("testdata/hdlc")

/// The built `smartmeter-datacollector`: from `SMARTMETER_BIN_DIR`, else beside the running test bundle (the scratch
/// path `swift test` built into), else `.build-collector/debug` and `.build/debug` under the package root.
let collectorBinary: String = {
    let name = "smartmeter-datacollector"
    var candidates: [String] = []
    if let directory = ProcessInfo.processInfo.environment["SMARTMETER_BIN_DIR"] {
        candidates.append(directory + "/" + name)
    }
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    candidates.append(bundleDirectory + "/" + name)
    candidates.append(packageRoot.appendingPathComponent(".build-collector/debug/\(name)").path)
    candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}()

/// A folder of its own for one test, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "collector-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        return file(name)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Text collected from a pipe as it arrives.
final class OutputCollector: Sendable {
    private let text = Mutex("")

    func attach(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            let chunk = String(decoding: data, as: UTF8.self)
            self.text.withLock { $0 += chunk }
        }
    }

    var contents: String { text.withLock { $0 } }
}

/// A running process with its standard output and error collected.
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    let stdout = OutputCollector()
    let stderr = OutputCollector()

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SMARTMETER__") }
        merged.removeValue(forKey: "JOURNAL_STREAM")
        merged["TZ"] = "UTC"
        // A spool without spool_dir goes to the state folder: the test's folder (or a fresh one), never one shared
        // by tests or the user's own.
        merged.removeValue(forKey: "XDG_STATE_HOME")
        merged["STATE_DIRECTORY"] = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("collector-state-\(UUID().uuidString)").path
        merged.merge(environment) { $1 }
        process.environment = merged
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        stdout.attach(out)
        stderr.attach(err)
        try runWithSignalsUnblocked { try process.run() }
        ProcessReaper.register(process)
    }

    /// Waits for the exit up to `timeout` seconds; kills the process and returns nil when it does not end.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        usleep(50_000)  // let the pipe handlers take the last bytes
        return process.terminationStatus
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }
}

/// Runs the collector to its end and returns (status, stdout, stderr); status nil when it had to be killed.
func runCollector(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                  timeout: Double = 20) throws -> (status: Int32?, stdout: String, stderr: String) {
    let running = try RunningProcess(collectorBinary, arguments, environment: environment, directory: directory)
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

/// Starts a child with an empty signal mask. Test threads (dispatch workers) block most signals and a spawned child
/// inherits that mask, so SIGTERM would never reach it.
func runWithSignalsUnblocked(_ start: () throws -> Void) throws {
    var empty = sigset_t()
    var saved = sigset_t()
    sigemptyset(&empty)
    pthread_sigmask(SIG_SETMASK, &empty, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    try start()
}

/// Whether the collector runs under AddressSanitizer or ThreadSanitizer: this test process was built with one (and so
/// the collector beside it), or `SMARTMETER_BINARIES_SANITIZED` says that the binaries of `SMARTMETER_BIN_DIR` were
/// (scripts/sanitizer-suites). The collector is then several times slower, shutdown bounds are widened and its
/// resident memory is not compared.
let runsUnderSanitizer: Bool = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil
    || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
    || ProcessInfo.processInfo.environment["SMARTMETER_BINARIES_SANITIZED"] != nil
