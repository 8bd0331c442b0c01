import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols
import SystemSupport

/// `smartmeter-config restart`
struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart the smartmeter-datacollector service and show its status and last log lines.",
        discussion: """
            Checks the configuration first (an invalid one is not restarted into; --force skips the check), runs \
            'systemctl restart smartmeter-datacollector', then 'systemctl status' with the last log lines. Explains \
            the usual failures: the service is not installed, you are not permitted (use sudo), systemd is absent \
            (a container, or another init system). The environment variable SMARTMETER_SYSTEMCTL names another \
            systemctl program.
            Exit status: 0 restarted, 1 not restarted (invalid configuration, not installed, not permitted, no \
            systemd, or the restart failed).
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Restart even when the configuration has problems.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Log lines to show after restarting.", valueName: "n"))
    var lines = 10

    @Option(name: .long, help: ArgumentHelp("The systemd unit.", valueName: "name"))
    var unit = ServiceControl.unit

    func run() throws {
        if !force, FileManager.default.fileExists(atPath: options.config) {
            let document = EffectiveConfiguration(try ConfigurationFile.load(options.config, command: "restart"),
                                                  location: .file(options.config)).document
            let errors = ConfigurationFile.problems(in: document, location: .file(options.config)).filter { $0.severity == .error }
            if !errors.isEmpty {
                for problem in errors { Console.err(problem.description) }
                Console.fail("restart", "not restarted: the configuration has \(Validate.count(errors.count, "problem")) (--force restarts anyway)")
                throw ExitCode(1)
            }
        }
        try Self.restart(ServiceControl(unit: unit), configPath: options.config, lines: lines)
    }

    /// Restarts and prints the status; throws exit 1 when it did not happen. Shared with the wizard.
    static func restart(_ service: ServiceControl, configPath: String, lines: Int) throws {
        let outcome = service.restart()
        guard outcome == .restarted else {
            Console.fail("restart", service.explain(outcome, configPath: configPath))
            throw ExitCode(1)
        }
        Console.out(service.explain(outcome, configPath: configPath))
        MonotonicClock.sleep(for: .milliseconds(500))   // let it start (or fail) before asking for its status
        let status = service.status(lines: lines)
        if !status.isEmpty { Console.out(status, terminator: status.hasSuffix("\n") ? "" : "\n") }
    }
}
