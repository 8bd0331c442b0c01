import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols
import Delivery
import SystemSupport

/// `smartmeter-config wizard`: a first configuration by question and answer.
struct Wizard: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a configuration by answering questions: port, meter, key, sinks, log level.",
        discussion: """
            For a first-time user over SSH: lists the serial ports found (/dev/serial/by-id/*, ttyUSB*, ttyACM*, \
            ttyAMA*), asks the meter type (with the operators and countries that use it), the key (checked as you \
            type it), where readings should go (MQTT with TLS and login, CSV, JSON lines, the log), and the log \
            level. It then shows the result, checks it as the collector would, writes it atomically with mode 0640 \
            (an existing file is replaced only when you agree, and kept as FILE.bak) and offers to restart the \
            service. Press Enter to keep the value in [brackets].
            Answers may be piped in, one per line, to script it:
              printf '/dev/ttyUSB0\\nlge450\\n\\nlogger\\ndone\\nWARNING\\ny\\nn\\n' | smartmeter-config wizard -c my.ini
            Exit status: 0 written, 1 not written (declined, input ended, or it cannot be written).
            """)

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let ask = Prompter()
        do {
            try converse(ask)
        } catch is Prompter.EndOfInput {
            Console.err("smartmeter-config wizard: input ended; nothing written")
            throw ExitCode(1)
        }
    }

    private func converse(_ ask: Prompter) throws {
        Console.out("""
            This wizard writes a configuration for smartmeter-datacollector to \(options.config).
            Press Enter to keep the value in [brackets]\(ask.isTerminal ? ", Ctrl-C to stop without writing" : "").

            """)
        var sections: [IniDocument.Section] = []
        var reader = [("type", ""), ("port", "")]
        reader[1].1 = try askPort(ask)
        let meter = try askMeter(ask)
        reader[0].1 = meter.rawValue
        reader += try askKeys(ask, meter: meter)
        sections.append(section("reader0", reader))

        var sinkNumber = 0
        for sink in try askSinks(ask) {
            sections.append(section("sink\(sinkNumber)", sink))
            sinkNumber += 1
        }
        Console.out("\nLog level (WARNING logs problems only; INFO adds a line of counters every 5 minutes):")
        let levels = LogLevel.allCases.map(\.rawValue)
        let level = levels[try ask.choose("Log level", levels.map { ($0, "") }, default: levels.firstIndex(of: "WARNING")!)]
        sections.append(section("logging", [("default", level)]))

        let text = DefaultConfiguration.commentedText(for: IniDocument(sections: sections), examples: false)
        try review(text, ask: ask)
    }

    // MARK: Questions

    private func askPort(_ ask: Prompter) throws -> String {
        let ports = SerialPorts.list()
        Console.out("Serial port of the meter adapter:")
        if ports.isEmpty {
            Console.out("  no serial adapter found (is it plugged in? 'dmesg | tail' shows what the kernel saw)")
            return try ask.checked("Device path", default: "/dev/ttyUSB0", Self.checkDevicePath)
        }
        var options = ports.map { (name: $0.path, description: $0.target.map { "(\($0))" } ?? "") }
        options.append((name: "other", description: "type a path"))
        let chosen = try ask.choose("Port", options, default: 0)
        if chosen < ports.count { return ports[chosen].path }
        return try ask.checked("Device path", default: "/dev/ttyUSB0", Self.checkDevicePath)
    }

    static func checkDevicePath(_ path: String) -> String? {
        path.hasPrefix("/") ? nil : "give the full path, for example /dev/ttyUSB0"
    }

    private func askMeter(_ ask: Prompter) throws -> MeterType {
        Console.out("\nMeter type (what your grid operator installed):")
        let types = MeterType.allCases
        let index = try ask.choose("Meter type", types.map { ($0.rawValue, $0.summary) }, default: 0)
        return types[index]
    }

    private func askKeys(_ ask: Prompter, meter: MeterType) throws -> [(String, String)] {
        let required = meter == .smarty || meter == .netznoe
        Console.out("\nEncryption key: 32 hex characters from your grid operator (e.g. EKZ, Netz NOE, Luxembourg's "
                    + "operators send it on request)." + (required ? " This meter always encrypts." : " Leave empty when the meter does not encrypt."))
        let key = try ask.checked("Key", default: "", secret: false) { answer in
            if answer.isEmpty { return required ? "\(meter.rawValue) meters encrypt: the key is needed" : nil }
            return Self.checkKey(answer)
        }
        guard !key.isEmpty else { return [] }
        var entries = [("key", key.replacing(" ", with: "").uppercased())]
        let auth = try ask.checked("Authentication key (empty if you got none)", default: "") { answer in
            answer.isEmpty ? nil : Self.checkKey(answer)
        }
        if !auth.isEmpty { entries.append(("auth_key", auth.replacing(" ", with: "").uppercased())) }
        return entries
    }

    static func checkKey(_ answer: String) -> String? {
        if Hex.key(answer) != nil { return nil }
        let count = answer.filter { $0 != " " }.count
        return count == 32 ? "that holds characters other than 0-9 and A-F" : "a key is 32 hex characters; that was \(count)"
    }

    static let sinkChoices: [(name: String, description: String)] = [
        ("mqtt", "MQTT broker (Home Assistant, Node-RED, Telegraf), with TLS and login"),
        ("csv", "CSV files, one per meter and day"),
        ("jsonl", "a JSON-lines file, one reading per line"),
        ("postgresql", "PostgreSQL or TimescaleDB, in the Belgian P1 logger's tables (Grafana dashboards in etc/grafana)"),
        ("logger", "the log (journal or terminal)"),
        ("done", "no more sinks"),
    ]

    private func askSinks(_ ask: Prompter) throws -> [[(String, String)]] {
        var sinks: [[(String, String)]] = []
        while true {
            Console.out(sinks.isEmpty ? "\nWhere should the readings go?" : "\nAnother sink? (\(sinks.count) so far)")
            let choice = Self.sinkChoices[try ask.choose("Sink", Self.sinkChoices, default: sinks.isEmpty ? 0 : Self.sinkChoices.count - 1)].name
            switch choice {
            case "mqtt": sinks.append(try askMQTT(ask))
            case "csv":
                sinks.append([("type", "csv"), ("directory", try ask.checked("Folder for the CSV files",
                                                                             default: "/var/lib/smartmeter-datacollector/csv", Self.checkDevicePath))])
            case "jsonl":
                sinks.append([("type", "jsonl"), ("file", try ask.checked("JSON-lines file",
                                                                          default: "/var/lib/smartmeter-datacollector/readings.jsonl", Self.checkDevicePath))])
            case "postgresql": sinks.append(try askPostgres(ask))
            case "logger":
                sinks.append([("type", "logger"), ("name", "DataLogger")])
            default:
                if sinks.isEmpty {
                    Console.out("  at least one sink is needed, or the readings go nowhere")
                    continue
                }
                return sinks
            }
        }
    }

    private func askMQTT(_ ask: Prompter) throws -> [(String, String)] {
        var entries = [("type", "mqtt")]
        entries.append(("host", try ask.checked("Broker host name or address", default: "127.0.0.1") { answer in
            answer.isEmpty || answer.contains(" ") || answer.contains("/") ? "a host name or address, without mqtt:// or a port" : nil
        }))
        let tls = try ask.yesNo("Use TLS?", default: false)
        entries.append(("port", try ask.checked("Broker port", default: tls ? "8883" : "1883") { answer in
            Int(answer).map { (1...65_535).contains($0) } == true ? nil : "a port is a number from 1 to 65535"
        }))
        entries.append(("tls", tls ? "True" : "False"))
        if tls {
            let ca = try ask.checked("CA certificate file (empty: the system's CA store)", default: "") { answer in
                answer.isEmpty ? nil : Self.checkPEM(answer, marker: "-----BEGIN CERTIFICATE-----", what: "a PEM certificate")
            }
            if !ca.isEmpty { entries.append(("ca_file_path", ca)) }
            entries.append(("check_hostname", try ask.yesNo("Check that the broker's certificate names that host?", default: true) ? "True" : "False"))
            let certificate = try ask.checked("Client certificate file (empty: none)", default: "") { answer in
                answer.isEmpty ? nil : Self.checkPEM(answer, marker: "-----BEGIN CERTIFICATE-----", what: "a PEM certificate")
            }
            if !certificate.isEmpty {
                entries.append(("client_cert_path", certificate))
                entries.append(("client_key_path", try ask.checked("Client key file", default: nil) { answer in
                    Self.checkPEM(answer, marker: "PRIVATE KEY-----", what: "a PEM private key")
                }))
            }
        }
        let username = try ask.line("Username (empty: no login)", default: "")
        if !username.isEmpty {
            entries.append(("username", username))
            entries.append(("password", try ask.checked("Password", default: nil, secret: true) { answer in
                answer.isEmpty ? "a username needs a password" : nil
            }))
        }
        if try ask.yesNo("Announce the meter to Home Assistant (MQTT discovery)?", default: false) {
            entries.append(("ha_discovery", "True"))
            let prefix = try ask.checked("Home Assistant's discovery prefix", default: HomeAssistantDiscovery.defaultPrefix) { answer in
                !answer.isEmpty && answer.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) ? nil
                    : "letters and digits only, as set in Home Assistant's MQTT options"
            }
            if prefix != HomeAssistantDiscovery.defaultPrefix { entries.append(("ha_discovery_prefix", prefix)) }
        }
        return entries
    }

    private func askPostgres(_ ask: Prompter) throws -> [(String, String)] {
        var entries = [("type", "postgresql")]
        entries.append(("host", try ask.checked("Server host name, address or unix socket folder", default: "localhost") { answer in
            answer.isEmpty || answer.contains(" ") ? "a host name, an address or a folder such as /var/run/postgresql" : nil
        }))
        entries.append(("port", try ask.checked("Server port", default: "5432") { answer in
            Int(answer).map { (1...65_535).contains($0) } == true ? nil : "a port is a number from 1 to 65535"
        }))
        entries.append(("database", try ask.line("Database", default: "premises")))
        let user = try ask.line("User (empty: the service's user)", default: "")
        if !user.isEmpty { entries.append(("user", user)) }
        let password = try ask.line("Password (empty: none, or peer/certificate login)", default: "", secret: true)
        if !password.isEmpty { entries.append(("password", password)) }
        return entries
    }

    static func checkPEM(_ path: String, marker: String, what: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            return FileManager.default.fileExists(atPath: path) ? "\(path) is not readable" : "\(path): no such file"
        }
        return String(decoding: data, as: UTF8.self).contains(marker) ? nil : "\(path) is not \(what)"
    }

    // MARK: Result

    private func review(_ text: String, ask: Prompter) throws {
        let summary = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { line -> String in
                // Every secret is masked in the review (key, auth_key, password), as `show` masks them.
                let name = line.split(separator: "=", maxSplits: 1).first.map { String($0).trimmed(where: \.isWhitespace) } ?? ""
                return ConfigurationSecrets.keys.contains(name) ? "\(name) = ********" : String(line)
            }
        Console.out("\nThe configuration:\n")
        for line in summary { Console.out((line.hasPrefix("[") ? "" : "  ") + line) }
        Console.out("")
        let staged: (file: StagedFile, document: IniDocument)
        do {
            staged = try ConfigurationFile.stage(text, for: options.config)
        } catch {
            Console.fail("wizard", error.description)
            throw ExitCode(1)
        }
        let problems = ConfigurationFile.problems(in: staged.document, location: .file(options.config))
        for problem in problems { Console.out(problem.description) }
        let errors = problems.filter { $0.severity == .error }.count
        if errors == 0 { Console.out("Checked: the collector accepts it.") }

        let exists = FileManager.default.fileExists(atPath: options.config)
        let question = exists ? "Replace \(options.config)? (the old file is kept as \(options.config).bak)"
            : "Write \(options.config)?"
        let write: Bool
        do {
            write = try ask.yesNo(question, default: !exists && errors == 0)
        } catch {
            staged.file.discard()
            throw error
        }
        guard write else {
            staged.file.discard()
            Console.out("Nothing written.")
            throw ExitCode(1)
        }
        if exists {
            try? FileManager.default.removeItem(atPath: options.config + ".bak")
            try? FileManager.default.copyItem(atPath: options.config, toPath: options.config + ".bak")
        }
        do {
            try ConfigurationFile.commit(staged.file)
        } catch {
            Console.fail("wizard", error.description)
            throw ExitCode(1)
        }
        Console.out("Wrote \(options.config).")

        let service = ServiceControl()
        guard service.systemctl != nil else {
            Console.out("Start the collector with: smartmeter-datacollector -c \(options.config)")
            return
        }
        if try ask.yesNo("Restart the smartmeter-datacollector service now?", default: true) {
            do {
                try Restart.restart(service, configPath: options.config, lines: 10)
            } catch is ExitCode {
                // Explained already; the file is written, which is what this command promised.
            }
        } else {
            Console.out("Restart it later with: sudo smartmeter-config restart")
        }
    }

    private func section(_ name: String, _ entries: [(String, String)]) -> IniDocument.Section {
        IniDocument.Section(name: name, location: .builtIn,
                            entries: entries.map { IniDocument.Entry(key: $0.0, value: $0.1, location: .builtIn) })
    }
}
