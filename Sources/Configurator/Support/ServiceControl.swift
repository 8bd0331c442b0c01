import FoundationEssentials
import Glibc

/// `systemctl` for our service: restart, status and the last log lines, with the failures a user meets explained.
struct ServiceControl {
    static let unit = "smartmeter-datacollector"

    enum Outcome: Equatable {
        case restarted
        case systemdAbsent(String)
        case notInstalled
        case notPermitted
        case failed(String)
    }

    /// `SMARTMETER_SYSTEMCTL` (a test puts a fake script there), else the first systemctl on the usual paths.
    let systemctl: String?
    let unit: String

    init(unit: String = ServiceControl.unit, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.unit = unit
        if let path = environment["SMARTMETER_SYSTEMCTL"] {
            systemctl = FileManager.default.isExecutableFile(atPath: path) ? path : nil
        } else {
            systemctl = ["/usr/bin/systemctl", "/bin/systemctl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        }
    }

    func run(_ arguments: [String]) -> CommandRunner.Run {
        guard let systemctl else { return CommandRunner.Run(status: 127, output: "") }
        return CommandRunner.run(systemctl, arguments)
    }

    func restart() -> Outcome {
        guard systemctl != nil else {
            return .systemdAbsent("systemctl not found")
        }
        let result = run(["restart", unit])
        if result.status == 0 { return .restarted }
        let text = result.output.trimmed
        let lower = text.lowercased()
        if lower.contains("not been booted with systemd") || lower.contains("failed to connect to bus")
            || lower.contains("system has not been booted") {
            return .systemdAbsent(text)
        }
        if result.status == 5 || lower.contains("not found") || lower.contains("not loaded") { return .notInstalled }
        if result.status == 4 || lower.contains("access denied") || lower.contains("authentication required")
            || lower.contains("permission denied") || lower.contains("not permitted") {
            return .notPermitted
        }
        return .failed(text.isEmpty ? "systemctl exited with status \(result.status)" : text)
    }

    /// `systemctl status` with the last log lines.
    func status(lines: Int) -> String {
        run(["status", "--no-pager", "--full", "--lines=\(lines)", unit]).output
    }

    /// The user-facing explanation of a failed restart.
    func explain(_ outcome: Outcome, configPath: String) -> String {
        switch outcome {
        case .restarted:
            return "restarted \(unit)"
        case .systemdAbsent(let detail):
            return "systemd is not available here (\(detail)); start the collector yourself: "
                + "smartmeter-datacollector -c \(configPath)"
        case .notInstalled:
            return "the service \(unit) is not installed (install the smartmeter-datacollector Debian package, or run "
                + "smartmeter-datacollector -c \(configPath) yourself)"
        case .notPermitted:
            return "not permitted to restart \(unit): run it with sudo (sudo smartmeter-config restart)"
        case .failed(let detail):
            return "systemctl restart \(unit) failed: \(detail)\nsee: journalctl -u \(unit) -n 50"
        }
    }
}
