import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols

/// `smartmeter-config set SECTION.KEY=VALUE ...`
struct SetKeys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set keys of the configuration file, keeping its comments and order.",
        discussion: """
            Each assignment replaces the key's line in its section, or uncomments a '# key =' line written by init, \
            or adds the line after the section's last key; a missing section is added at the end. An empty VALUE \
            ('reader0.key=') leaves the key unset. The result is checked as the collector would check it and is \
            written (atomically) only when the change adds no problem; values with ';' or '#' are quoted.
            Examples:
              smartmeter-config set reader0.port=/dev/ttyUSB1 --value-file reader0.key=/root/meter.key
              smartmeter-config set sink1.host=broker.local sink1.tls=True logging.default=INFO
            Exit status: 0 written, 1 the change was refused or could not be written, 2 bad arguments or no file.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("SECTION.KEY=VALUE, for example reader0.port=/dev/ttyUSB1.", valueName: "section.key=value"))
    var assignments: [String] = []

    @Option(name: .customLong("value-file"),
            help: ArgumentHelp("SECTION.KEY=PATH: set the key to the first line of the file PATH ('-': standard input), for keys and passwords.",
                               valueName: "section.key=path"))
    var valueFiles: [String] = []

    struct Assignment {
        var section: String, key: String, value: String
    }

    var parsed: [Assignment] {
        assignments.compactMap { text in
            guard let (path, value) = ConfigurationEdit.assignment(text), let dot = path.firstIndex(of: ".") else { return nil }
            let section = String(path[..<dot]), key = String(path[path.index(after: dot)...])
            guard !section.isEmpty, !key.isEmpty, !key.contains(".") else { return nil }
            return Assignment(section: section, key: key, value: value)
        }
    }

    mutating func validate() throws {
        try SecretInput.checkOneStandardInput(valueFiles.enumerated().map {
            ("--value-file \($0.offset + 1)", ConfigurationEdit.assignment($0.element)?.value)
        })
        for text in valueFiles {
            guard let (path, file) = ConfigurationEdit.assignment(text), path.contains("."), !file.isEmpty else {
                throw ValidationError("--value-file takes SECTION.KEY=PATH, for example sink0.password=/root/mqtt.pw")
            }
            assignments.append(path + "=" + (try SecretInput.read(file, option: "--value-file \(path)")))
        }
        valueFiles = []
        if assignments.isEmpty { throw ValidationError("give at least one SECTION.KEY=VALUE or --value-file SECTION.KEY=PATH") }
        for (index, text) in assignments.enumerated() {
            if let problem = EditableText.problem(in: text, what: "assignment \(index + 1)") { throw ValidationError(problem) }
        }
        let good = parsed.count
        if good != assignments.count {
            let bad = assignments.first { ConfigurationEdit.assignment($0).map { !$0.key.contains(".") } ?? true } ?? assignments[good]
            throw ValidationError("'\(bad)' is not SECTION.KEY=VALUE (for example reader0.port=/dev/ttyUSB1)")
        }
    }

    func run() throws {
        let changes = parsed
        try ConfigurationEdit.apply(to: options.config, command: "set") { editor in
            for change in changes { editor.set(section: change.section, key: change.key, value: change.value) }
            return "set " + changes.map { "\($0.section.asciiLowercased()).\($0.key.asciiLowercased())" }.joined(separator: ", ")
        }
    }
}

/// `smartmeter-config add-reader`
struct AddReader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-reader",
        abstract: "Add a [readerN] section (the next free number) at the end of the configuration file.",
        discussion: """
            Meter types: \(MeterType.allCases.map(\.rawValue).joined(separator: ", ")).
            Serial settings default to the meter type's; set them with 'smartmeter-config set readerN.baudrate=...'.
            Example: smartmeter-config add-reader --type lge450 --port /dev/ttyUSB0 --key-file /root/meter.key
            Exit status: 0 written, 1 the change was refused or could not be written, 2 bad arguments or no file.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Meter type.", valueName: "type"))
    var type: String

    @Option(help: ArgumentHelp("Serial device of the meter.", valueName: "device"))
    var port: String?

    @Option(help: ArgumentHelp("Instead of --port: a capture file to replay.", valueName: "path"))
    var file: String?

    @Option(help: ArgumentHelp("AES-128 encryption key, 32 hex characters.", valueName: "hex"))
    var key: String?

    @Option(name: .customLong("auth-key"), help: ArgumentHelp("AES-128 authentication key, 32 hex characters.", valueName: "hex"))
    var authKey: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("Instead of --key: read the key from this file ('-': standard input).", valueName: "path"))
    var keyFile: String?

    @Option(name: .customLong("auth-key-file"), help: ArgumentHelp("Instead of --auth-key: read it from this file ('-': standard input).", valueName: "path"))
    var authKeyFile: String?

    @Option(help: ArgumentHelp("Zone of meter times sent without UTC offset, e.g. Europe/Zurich.", valueName: "zone"))
    var timezone: String?

    @Option(name: .customLong("name"), help: ArgumentHelp("Section name instead of the next free readerN.", valueName: "readerN"))
    var sectionName: String?

    mutating func validate() throws {
        if (port == nil) == (file == nil) { throw ValidationError("give either --port or --file") }
        try SecretInput.checkOneStandardInput([("--key-file", keyFile), ("--auth-key-file", authKeyFile)])
        key = try SecretInput.resolve(key, option: "--key", file: keyFile, fileOption: "--key-file")
        authKey = try SecretInput.resolve(authKey, option: "--auth-key", file: authKeyFile, fileOption: "--auth-key-file")
        keyFile = nil
        authKeyFile = nil
        let values = [("--type", type), ("--port", port), ("--file", file), ("--key", key), ("--auth-key", authKey),
                      ("--timezone", timezone), ("--name", sectionName)]
        for case let (option, value?) in values {
            if let problem = EditableText.problem(in: value, what: option) { throw ValidationError(problem) }
        }
    }

    func run() throws {
        var entries: [(key: String, value: String)] = [("type", type)]
        if let port { entries.append(("port", port)) }
        if let file { entries.append(("file", file)) }
        if let key { entries.append(("key", key)) }
        if let authKey { entries.append(("auth_key", authKey)) }
        if let timezone { entries.append(("timezone", timezone)) }
        try ConfigurationEdit.addSection(kind: "reader", requested: sectionName, entries: entries,
                                         comment: MeterType(rawValue: type.asciiLowercased())?.summary, to: options.config)
    }
}

/// `smartmeter-config add-sink`
struct AddSink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-sink",
        abstract: "Add a [sinkN] section (the next free number) at the end of the configuration file.",
        discussion: """
            Sink types: \(SinkSchema.all.map { "\($0.type) (\($0.keys.filter(\.required).map(\.name).filter { $0 != "type" }.joined(separator: ", ")))" }.joined(separator: ", ")).
            Examples:
              smartmeter-config add-sink --type mqtt host=broker.local port=8883 tls=True username=meter --password-file /root/mqtt.pw
              smartmeter-config add-sink --type csv directory=/var/lib/smartmeter-datacollector/csv
            Exit status: 0 written, 1 the change was refused or could not be written, 2 bad arguments or no file.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Sink type.", valueName: "type"))
    var type: String

    @Option(name: .customLong("name"), help: ArgumentHelp("Section name instead of the next free sinkN.", valueName: "sinkN"))
    var sectionName: String?

    @Argument(help: ArgumentHelp("Keys of the sink, for example host=broker.local.", valueName: "key=value"))
    var values: [String] = []

    @Option(name: .customLong("password-file"), help: ArgumentHelp("Read the sink's password from this file ('-': standard input) instead of password=...", valueName: "path"))
    var passwordFile: String?

    mutating func validate() throws {
        if let passwordFile {
            if values.contains(where: { ConfigurationEdit.assignment($0)?.key.asciiLowercased() == "password" }) {
                throw ValidationError("give password=... or --password-file, not both")
            }
            values.append("password=" + (try SecretInput.read(passwordFile, option: "--password-file")))
            self.passwordFile = nil
        }
        for (option, value) in [("--type", type), ("--name", sectionName ?? "")] + values.enumerated().map({ ("value \($0.offset + 1)", $0.element) }) {
            if let problem = EditableText.problem(in: value, what: option) { throw ValidationError(problem) }
        }
        for value in values where ConfigurationEdit.assignment(value) == nil {
            throw ValidationError("'\(value)' is not KEY=VALUE (for example host=broker.local)")
        }
    }

    func run() throws {
        let entries = [("type", type)] + values.compactMap { ConfigurationEdit.assignment($0) }
        try ConfigurationEdit.addSection(kind: "sink", requested: sectionName, entries: entries.map { (key: $0.0, value: $0.1) },
                                         to: options.config)
    }
}

/// `smartmeter-config remove SECTION`
struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a section (its lines and the comment just above it) from the configuration file.",
        discussion: """
            Other sections, comments and blank lines stay as they are. Removing the last reader or the last sink is \
            refused (the collector would have nothing to do).
            Example: smartmeter-config remove sink1
            Exit status: 0 written, 1 no such section or the change was refused, 2 bad arguments or no file.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The section, for example sink1.", valueName: "section"))
    var section: String

    func run() throws {
        let name = section.trimmed(where: { $0 == "[" || $0 == "]" || $0 == " " }).asciiLowercased()
        try ConfigurationEdit.apply(to: options.config, command: "remove") { editor in
            guard editor.removeSection(name) else {
                let sections = editor.sectionNames.map { "[\($0)]" }.joined(separator: ", ")
                Console.fail("remove", "no section [\(name)] in \(options.config) (sections: \(sections))")
                throw ExitCode(1)
            }
            return "removed [\(name)]"
        }
    }
}
