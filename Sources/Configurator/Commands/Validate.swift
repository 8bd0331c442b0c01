import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols

/// `smartmeter-config validate`: every problem of the configuration, as the collector would see it.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration file and list every problem with file:line, section and key.",
        discussion: """
            Loads the file as the collector does (iniparser's rules, then SMARTMETER__SECTION__KEY environment \
            overrides) and runs the collector's own rules on it: unknown sections, reader and sink types and keys \
            (with a "did you mean"), missing required keys, keys that are not 32 hex characters, 'port' and 'file' \
            both set, numbers out of range (MQTT port), username without password, client certificate without key, \
            topic_group not letters and digits, MQTT topic_prefix or client_id with wildcards, values cut short by \
            an inline '#' or ';', unknown log levels; then the files it names: certificate, key and CA files \
            missing, unreadable or not PEM, capture files missing or not regular files, a port that is not a \
            character device. A serial device that does not exist is a warning (the collector waits for it).
            Exit status: 0 valid (warnings allowed), 1 problems found, 2 the file cannot be read.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Ignore SMARTMETER__ environment variables; check the file alone.")
    var noEnvironment = false

    @Flag(name: [.short, .long], help: "Print nothing when the configuration is valid.")
    var quiet = false

    func run() throws {
        let document = EffectiveConfiguration(
            try ConfigurationFile.load(options.config, command: "validate"), location: .file(options.config),
            environment: noEnvironment ? [:] : ProcessInfo.processInfo.environment).document
        let problems = ConfigurationFile.problems(in: document, location: .file(options.config))
        let errors = problems.filter { $0.severity == .error }.count
        let warnings = problems.count - errors
        for problem in problems { Console.out(problem.description) }
        if errors > 0 {
            Console.out("\(options.config): \(Self.count(errors, "problem"))"
                        + (warnings > 0 ? ", \(Self.count(warnings, "warning"))" : "") + "; the collector would not start")
            throw ExitCode(1)
        }
        guard !quiet else { return }
        let readers = document.sections.filter { $0.name.hasPrefix("reader") }.count
        let sinks = document.sections.filter { $0.name.hasPrefix("sink") }.count
        Console.out("\(options.config): valid (\(Self.count(readers, "reader")), \(Self.count(sinks, "sink"))"
                    + (warnings > 0 ? ", \(Self.count(warnings, "warning"))" : "") + ")")
    }

    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
