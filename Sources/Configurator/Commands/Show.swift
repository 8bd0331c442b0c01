import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols

/// `smartmeter-config show`: the configuration the collector would run, secrets masked.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective configuration (file plus environment overrides) with secrets masked.",
        discussion: """
            Prints the sections the collector would run, in INI form: the file's values with SMARTMETER__SECTION__KEY \
            environment variables applied (each override is marked), the serial settings each reader will use, and \
            'key', 'auth_key' and 'password' replaced by ********. Without a file at the --config path it shows the \
            collector's built-in default. Problems found are listed on standard error.
            Exit status: 0 valid, 1 problems found, 2 the file cannot be read.
            """)

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let effective: EffectiveConfiguration
        let header: String
        if FileManager.default.fileExists(atPath: options.config) {
            effective = EffectiveConfiguration(try ConfigurationFile.load(options.config, command: "show"),
                                               location: .file(options.config))
            header = "# \(options.config)"
        } else {
            effective = .builtInDefault()
            header = "# no file at \(options.config): the collector's built-in default"
        }
        let document = effective.document
        let result = effective.validated()
        var out = header + "\n"
        for section in document.sections {
            out += "\n[\(section.name)]\n"
            for entry in section.entries where !entry.value.isEmpty {
                if case .environment(let name) = entry.location.origin { out += "# from the environment: \(name)\n" }
                let value = ConfigurationSecrets.keys.contains(entry.key) ? "********"
                    : IniTextEditor.quoted(ConfigurationSecrets.display(key: entry.key, value: entry.value, mask: "********"))
                out += "\(entry.key) = \(value)\n"
            }
            if case .success(let configuration) = result,
               let reader = configuration.readers.first(where: { $0.name == section.name }),
               case .serial(_, let settings) = reader.input {
                let defaults = settings == reader.meter.serialDefaults ? " (defaults of \(reader.meter.rawValue))" : ""
                out += "# serial settings: \(settings)\(defaults)\n"
            }
        }
        Console.out(out, terminator: "")
        if case .failure(let errors) = result {
            for problem in errors.problems { Console.err(problem.description) }
            throw ExitCode(1)
        }
    }
}
