import ArgumentParser
import CollectorPipeline
import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import SystemSupport

@main
struct SmartmeterDataCollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartmeter-datacollector",
        abstract: "Read smart meters and pass their readings to sinks (logger, CSV, JSON lines, MQTT, PostgreSQL).",
        discussion: """
            The configuration is an INI file with [readerN], [sinkN], [logging] and [http] sections; environment \
            variables SMARTMETER__SECTION__KEY override or add keys. Without a file at the --config path, a built-in \
            default runs (lge450 on /dev/ttyUSB0, logger sink, MQTT sink to 127.0.0.1, web page on 127.0.0.1:8180).
            Exit status: 0 after a clean shutdown (SIGTERM, SIGINT, or all replayed files read); 1 when a sink or the \
            web face cannot start; 2 for an invalid configuration or bad arguments.
            """,
        version: ProductVersion.current)

    @Option(name: [.short, .long], help: ArgumentHelp("Path to the .ini configuration file.", valueName: "path"))
    var config = "./datacollector.ini"

    @Flag(name: [.short, .long], help: "Write a commented default configuration to the --config path and exit.")
    var saveconfig = false

    @Flag(name: .long, help: "With --saveconfig: overwrite an existing file.")
    var force = false

    @Flag(name: [.short, .long], help: "Development mode: debug logs, including where each configuration value comes from.")
    var dev = false

    func validate() throws {
        if force && !saveconfig { throw ValidationError("--force only applies to --saveconfig") }
    }

    func run() async throws {
        // From here on the process holds keys and passwords: no core dump, no ptrace, /proc/<pid> owned by root.
        SecretMemory.protect()
        if saveconfig { try saveDefaultConfiguration() }
        let (document, location) = try loadDocument()
        // The rules `smartmeter-config validate` runs, no more and no fewer.
        let outcome = ConfigurationRules(location: location).check(document)
        guard let configuration = outcome.configuration else {
            let errors = outcome.errors
            var text = "smartmeter-datacollector: invalid configuration (\(errors.count) problem"
                + (errors.count == 1 ? ")\n" : "s)\n")
            for problem in errors { text += "  \(problem)\n" }
            writeStandardError(text)
            throw ExitCode(2)
        }
        LogLabels.bootstrap(configuration.logging, development: dev)
        let logger = Logger(label: LogLabels.collector)
        if location.origin == .builtIn {
            logger.warning("no configuration file at \(config); running the built-in default")
        }
        // A warning about the file as a whole (world-readable secrets) names the file itself.
        for problem in outcome.warnings {
            logger.warning("\(problem.section == nil && problem.location.line == nil ? problem.message : problem.description)")
        }
        logEffectiveValues(document, logger: logger)
        Self.unblockShutdownSignals()
        do {
            try await Collector(configuration: configuration, logger: logger).run()
        } catch is CollectorFailure {
            throw ExitCode(1)  // logged where it happened
        }
    }

    /// A parent may have started us with SIGTERM/SIGINT blocked (the mask is inherited); shutdown needs them.
    /// SIGPIPE is ignored: a closed standard output or socket is a write error for one sink, not the end of the process.
    private static func unblockShutdownSignals() {
        signal(SIGPIPE, SIG_IGN)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    private func saveDefaultConfiguration() throws -> Never {
        if FileSystem.kind(of: config) != .missing && !force {
            writeStandardError("smartmeter-datacollector: \(config) exists; use --force to overwrite it\n")
            Glibc.exit(1)
        }
        do {
            // 0640: the file will hold keys and passwords.
            try FileSystem.writeAtomically(DefaultConfiguration.text, to: config, mode: 0o640)
        } catch {
            writeStandardError("smartmeter-datacollector: \(error)\n")
            Glibc.exit(1)
        }
        print("wrote the default configuration to \(config)")
        Glibc.exit(0)
    }

    /// The file with the environment applied, or the built-in default when there is no file.
    private func loadDocument() throws -> (IniDocument, ConfigurationLocation) {
        guard FileSystem.kind(of: config) != .missing else {
            let effective = EffectiveConfiguration.builtInDefault()
            return (effective.document, effective.location)
        }
        do {
            let effective = EffectiveConfiguration(try IniDocument.load(path: config), location: .file(config))
            return (effective.document, effective.location)
        } catch {
            writeStandardError("smartmeter-datacollector: cannot load \(error)\n")
            throw ExitCode(2)
        }
    }

    private func logEffectiveValues(_ document: IniDocument, logger: Logger) {
        guard dev else { return }
        for section in document.sections {
            for entry in section.entries {
                let value = ConfigurationSecrets.display(key: entry.key, value: entry.value, mask: "(set)")
                logger.debug("[\(section.name)] \(entry.key) = \(value) from \(entry.location)")
            }
        }
    }
}

private func writeStandardError(_ text: String) {
    _ = FileSystem.writeAll(STDERR_FILENO, text)
}
