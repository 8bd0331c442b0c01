import Foundation
import TestSupport
import Testing

/// Running the built `smartmeter-config`: arguments, environment and standard input in; exit status, standard
/// output and standard error out.
enum Configurator {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let testdata = packageRoot.appendingPathComponent("testdata")

    /// From `SMARTMETER_BIN_DIR`, else beside the running test bundle (the scratch path `swift test` built into),
    /// else `.build/debug`.
    static let binary: String = {
        let name = "smartmeter-config"
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["SMARTMETER_BIN_DIR"] { candidates.append(directory + "/" + name) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/" + name)
        candidates.append(packageRoot.appendingPathComponent(".build-config/debug/\(name)").path)
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The environment of a run: ours without SMARTMETER__ overrides, plus `environment`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SMARTMETER__") }
        merged["SMARTMETER_SYSTEMCTL"] = "/nonexistent/systemctl"
        merged["SMARTMETER_DEVICE_DIR"] = "/nonexistent"
        merged.merge(extra) { $1 }
        return merged
    }

    static func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                    directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment(extra)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        ProcessReaper.register(process)
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes at once so a full stderr never blocks the child.
        let errBox = DataBox()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A folder of its own for one test.
final class Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "config-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        return file(name)
    }

    func read(_ name: String) -> String { (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "" }

    func mode(_ name: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file(name))[.posixPermissions]) as? Int) ?? -1
    }
}

/// A capture that exists, for configurations whose reader only has to be valid (`file` must be a regular file).
let validCapture = Configurator.testdata.appendingPathComponent("hdlc/lge450-gbt-2-messages.hex").path
