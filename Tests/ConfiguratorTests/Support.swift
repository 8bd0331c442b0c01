import Foundation
import TestSupport
import Testing

/// Running the built `smartmeter-config`: arguments, environment and standard input in; exit status, standard
/// output and standard error out.
enum Configurator {
    static let packageRoot = BuiltProducts.packageRoot
    static let testdata = packageRoot.appendingPathComponent("testdata")
    static let binary = BuiltProducts.binary("smartmeter-config", folder: "config")

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

    /// Starts `smartmeter-config` with the environment of a run; `stdin` is written and closed at once.
    static func start(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                      directory: String? = nil) throws -> RunningProcess {
        try RunningProcess(binary, arguments, environment: environment(extra), directory: directory, stdin: stdin ?? "")
    }

    /// Runs `smartmeter-config` to its end (two minutes at most; status -1 when it had to be stopped).
    static func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                    directory: String? = nil) throws -> Result {
        let process = try start(arguments, environment: extra, stdin: stdin, directory: directory)
        let status = process.waitForExit(timeout: 120) ?? -1
        return Result(status: status, stdout: process.stdout.contents, stderr: process.stderr.contents)
    }
}

/// A capture that exists, for configurations whose reader only has to be valid (`file` must be a regular file).
let validCapture = Configurator.testdata.appendingPathComponent("hdlc/lge450-gbt-2-messages.hex").path
