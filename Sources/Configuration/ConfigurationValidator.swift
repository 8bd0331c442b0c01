import FoundationEssentials
import Glibc
import Protocols
import Delivery

/// Checks an `IniDocument` against the schema and builds the typed configuration. Every problem is collected, with
/// its location, section and key, so one run shows the user everything to fix.
public struct ConfigurationValidator: Sendable {
    /// Where whole-document problems (no reader, no sink) are reported: the file, or the built-in default.
    public var documentLocation: ConfigurationLocation

    public init(documentLocation: ConfigurationLocation = .builtIn) {
        self.documentLocation = documentLocation
    }

    public func validate(_ document: IniDocument) -> Result<CollectorConfiguration, ConfigurationErrors> {
        if !document.syntaxProblems.isEmpty { return .failure(ConfigurationErrors(document.syntaxProblems)) }
        var problems: [ConfigurationProblem] = []
        var readers: [(number: Int, config: ReaderConfiguration)] = []
        var sinks: [(number: Int, config: SinkConfiguration)] = []
        var logging = LoggingConfiguration()
        var http: HTTPConfiguration?
        var seen: [String: IniDocument.Section] = [:]
        // iniparser merges repeated sections, so their values cannot be told apart: only the repeat is reported.
        let repeatedNames = Set(Dictionary(grouping: document.sections, by: \.name).filter { $0.value.count > 1 }.keys)

        for section in document.sections {
            problems += duplicateKeyProblems(in: section)
            guard let kind = SectionKind(section.name) else {
                problems.append(ConfigurationProblem(SectionKind.problem(with: section.name),
                                                     at: section.location, section: section.name))
                continue
            }
            if let first = seen[kind.identity] {
                let what = first.name == section.name ? "appears again" : "has the same number as [\(first.name)]"
                problems.append(ConfigurationProblem("\(what) (first at \(first.location)); numbers must be unique",
                                                     at: section.location, section: section.name))
                continue
            }
            seen[kind.identity] = section
            if repeatedNames.contains(section.name) { continue }
            switch kind {
            case .reader(let number):
                if let reader = checkReader(section, problems: &problems) { readers.append((number, reader)) }
            case .sink(let number):
                if let sink = checkSink(section, problems: &problems) { sinks.append((number, sink)) }
            case .logging:
                logging = checkLogging(section, problems: &problems)
            case .http:
                http = checkHTTP(section, problems: &problems)
            }
        }
        if !document.sections.contains(where: { if case .reader? = SectionKind($0.name) { true } else { false } }) {
            problems.append(ConfigurationProblem("no [readerN] section: nothing to read", at: documentLocation))
        }
        if !document.sections.contains(where: { if case .sink? = SectionKind($0.name) { true } else { false } }) {
            problems.append(ConfigurationProblem("no [sinkN] section: readings would go nowhere", at: documentLocation))
        }
        guard problems.isEmpty else { return .failure(ConfigurationErrors(problems)) }
        return .success(CollectorConfiguration(
            readers: readers.sorted { $0.number < $1.number }.map(\.config),
            sinks: sinks.sorted { $0.number < $1.number }.map(\.config),
            logging: logging, http: http))
    }

    // MARK: Sections

    private func checkReader(_ section: IniDocument.Section, problems: inout [ConfigurationProblem]) -> ReaderConfiguration? {
        let before = problems.count
        let keys = ConfigurationSchema.readerKeys
        checkKeys(section, against: keys, what: "a reader", problems: &problems)
        func problem(_ message: String, _ key: String) {
            let location = section.entry(key)?.location ?? section.location
            problems.append(ConfigurationProblem(message, at: location, section: section.name, key: key))
        }
        let port = section.value("port"), file = section.value("file")
        switch (port, file) {
        case (nil, nil): problems.append(ConfigurationProblem("needs either 'port' (a serial device) or 'file' (a capture)",
                                                              at: section.location, section: section.name))
        case (.some, .some): problem("'port' and 'file' are both set; a reader reads one of them", "file")
        case (.some, nil): if section.value("replay_speed") != nil { problem("applies to 'file' readers only", "replay_speed") }
        case (nil, .some): break
        }
        if section.value("auth_key") != nil && section.value("key") == nil {
            problem("an authentication key needs the encryption key 'key' as well", "auth_key")
        }
        let linkLayer = section.value("type").flatMap({ MeterType(rawValue: $0.asciiLowercased()) })?.linkLayer
        let readout = linkLayer == .iec62056_21
        // 64 hex digits are an AES-256 key for DLMS security suite 2: only DLMS push meters (HDLC, M-Bus) use one.
        let keyBytes = section.value("key").flatMap { Hex.encryptionKey($0) }?.count
        let authBytes = section.value("auth_key").flatMap { Hex.encryptionKey($0) }?.count
        for (name, bytes) in [("key", keyBytes), ("auth_key", authBytes)] where bytes == 32 {
            switch linkLayer {
            case .hdlc?, .mbus?, nil: break
            case .p1?, .encryptedP1?, .iec62056_21?:
                problem("64 hex characters (AES-256, DLMS security suite 2) apply to DLMS meter types only; this type takes 32", name)
            }
        }
        if let keyBytes, let authBytes, keyBytes != authBytes {
            problem("must have as many hex characters as 'key' (\(2 * keyBytes))", "auth_key")
        }
        if section.value("interval") != nil && !readout {
            problem("applies to IEC 62056-21 readout meters (siemens_td3511) only; other meters send on their own", "interval")
        }
        if readout, let baud = section.value("baudrate").flatMap({ Int($0) }),
           ConfigurationSchema.baudRates.contains(baud), !IEC62056ModeCSession.baudRates.contains(baud) {
            problem("\(baud) is not an IEC 62056-21 mode C speed (\(IEC62056ModeCSession.baudRates.map(String.init).joined(separator: ", ")))", "baudrate")
        }
        guard problems.count == before, let meter = section.value("type").flatMap({ MeterType(rawValue: $0.asciiLowercased()) })
        else { return nil }

        let input: ReaderConfiguration.Input
        if let file {
            input = .file(path: file, speed: section.value("replay_speed").flatMap {
                ReaderConfiguration.ReplaySpeed(rawValue: $0.asciiLowercased()) } ?? .max)
        } else {
            var settings = meter.serialDefaults
            if let baud = section.value("baudrate").flatMap({ Int($0) }), !readout { settings.baudrate = baud }
            if let parity = section.value("parity")?.uppercased().first { settings.parity = parity }
            if let bits = section.value("databits").flatMap({ Int($0) }) { settings.dataBits = bits }
            if let bits = section.value("stopbits").flatMap({ Int($0) }) { settings.stopBits = bits }
            input = .serial(port: port!, settings: settings)
        }
        return ReaderConfiguration(
            name: section.name, meter: meter, input: input,
            key: section.value("key").flatMap { Hex.encryptionKey($0) },
            authenticationKey: section.value("auth_key").flatMap { Hex.encryptionKey($0) },
            useSystemTime: section.value("systemtime").flatMap(Self.boolean) ?? false,
            timeZone: section.value("timezone"), sourceId: section.value("id"),
            interval: section.value("interval").flatMap { Int($0) } ?? ReaderConfiguration.defaultInterval,
            readoutBaudRate: readout ? section.value("baudrate").flatMap { Int($0) } : nil)
    }

    /// One `[sinkN]` section on its own (`smartmeter-config test-sinks` tests each sink that passes).
    public func sink(_ section: IniDocument.Section) -> Result<SinkConfiguration, ConfigurationErrors> {
        var problems = duplicateKeyProblems(in: section)
        let sink = checkSink(section, problems: &problems)
        guard let sink, problems.isEmpty else { return .failure(ConfigurationErrors(problems)) }
        return .success(sink)
    }

    private func checkSink(_ section: IniDocument.Section, problems: inout [ConfigurationProblem]) -> SinkConfiguration? {
        guard let type = section.value("type")?.asciiLowercased() else {
            problems.append(ConfigurationProblem("missing; one of: " + SinkSchema.all.map(\.type).joined(separator: ", "),
                                                 at: section.location, section: section.name, key: "type"))
            return nil
        }
        guard let sinkType = SinkType(rawValue: type) else {
            checkKeys(section, against: [KeySchema("type", .sinkType, help: "")], what: nil, problems: &problems)
            return nil
        }
        let schema = sinkType.schema
        let before = problems.count
        checkKeys(section, against: schema.keys, what: "a \(type) sink", problems: &problems)
        for (message, key) in schema.crossCheck(section) {
            problems.append(ConfigurationProblem(message, at: section.entry(key)?.location ?? section.location,
                                                 section: section.name, key: key))
        }
        guard problems.count == before else { return nil }
        guard let sink = SinkConfiguration(checked: section, type: sinkType) else {
            problems.append(ConfigurationProblem("a required key is missing", at: section.location, section: section.name))
            return nil
        }
        return sink
    }

    private func checkLogging(_ section: IniDocument.Section, problems: inout [ConfigurationProblem]) -> LoggingConfiguration {
        checkKeys(section, against: ConfigurationSchema.loggingKeys, what: "[logging]", problems: &problems)
        var logging = LoggingConfiguration()
        func level(_ key: String) -> LogLevel? { section.value(key).flatMap { LogLevel(word: $0) } }
        logging.defaultLevel = level("default") ?? logging.defaultLevel
        logging.smartmeter = level("smartmeter") ?? logging.defaultLevel
        logging.collector = level("collector") ?? logging.defaultLevel
        logging.sink = level("sink") ?? logging.defaultLevel
        logging.statisticsInterval = section.value("statistics_interval").flatMap { Int($0) } ?? logging.statisticsInterval
        return logging
    }

    /// `[http]`: the addresses parse, and any beyond this machine come with a password or token.
    private func checkHTTP(_ section: IniDocument.Section, problems: inout [ConfigurationProblem]) -> HTTPConfiguration? {
        let before = problems.count
        checkKeys(section, against: ConfigurationSchema.httpKeys, what: "[http]", problems: &problems)
        let listen = (try? HTTPListenAddress.list(parsing: section.value("listen") ?? HTTPConfiguration.defaultListen)) ?? []
        let password = section.value("password"), token = section.value("token")
        if password == nil && token == nil, let open = listen.first(where: { !$0.isLocal }) {
            problems.append(ConfigurationProblem(
                "\(open) is reachable from other machines: set password or token (or listen on 127.0.0.1 only)",
                at: section.entry("listen")?.location ?? section.location, section: section.name, key: "listen"))
        }
        guard problems.count == before else { return nil }
        return HTTPConfiguration(listen: listen, password: password, token: token,
                                 staleAfter: section.value("stale_after").flatMap { Int($0) } ?? HTTPConfiguration.defaultStaleAfter)
    }

    // MARK: Keys

    /// Unknown keys (with a suggestion), missing required keys and values of the wrong form.
    private func checkKeys(_ section: IniDocument.Section, against schema: [KeySchema], what: String?,
                           problems: inout [ConfigurationProblem]) {
        let names = schema.map(\.name)
        for entry in section.entries {
            guard let key = schema.first(where: { $0.name == entry.key }) else {
                guard let what else { continue }
                problems.append(ConfigurationProblem(
                    "unknown key" + Suggestion.didYouMean(entry.key, among: names)
                        + " (keys of \(what): \(names.joined(separator: ", ")))",
                    at: entry.location, section: section.name, key: entry.key))
                continue
            }
            if let cut = entry.commentCut {
                let shown = ConfigurationSecrets.isSecret(key: entry.key, value: entry.value) ? "cut short" : "cut to '\(entry.value)'"
                problems.append(ConfigurationProblem(
                    "'\(cut)' starts a comment here, so the value is \(shown); to keep the '\(cut)' and what follows, "
                        + "put the value in double quotes: \(entry.key) = \"...\(cut)...\"",
                    at: entry.location, section: section.name, key: entry.key))
            }
            if entry.value.isEmpty { continue }
            if let message = Self.check(entry.value, as: key.kind) {
                problems.append(ConfigurationProblem(message, at: entry.location, section: section.name, key: entry.key))
            }
        }
        for key in schema where key.required && section.value(key.name) == nil {
            problems.append(ConfigurationProblem(section.entry(key.name) == nil ? "missing" : "must not be empty",
                                                 at: section.entry(key.name)?.location ?? section.location,
                                                 section: section.name, key: key.name))
        }
    }

    /// nil when the value is fine, else what is wrong with it.
    static func check(_ value: String, as kind: KeySchema.Kind) -> String? {
        switch kind {
        case .text, .path:
            return nil
        case .host:
            return value.contains(where: { $0 == " " || $0 == "/" }) ? "'\(value)' is not a host name or address" : nil
        case .integer(let range):
            guard let number = Int(value) else { return "'\(value)' is not a whole number" }
            return range.contains(number) ? nil : "\(number) is out of range \(range.lowerBound)...\(range.upperBound)"
        case .baudRate:
            guard let number = Int(value) else { return "'\(value)' is not a whole number" }
            return ConfigurationSchema.baudRates.contains(number) ? nil
                : "\(number) is not a serial speed (common ones: 2400, 9600, 115200)"
        case .boolean:
            return boolean(value) == nil ? "'\(value)' is not a boolean (true/false, yes/no, on/off, 1/0)" : nil
        case .choice(let words):
            return words.contains(where: { $0.asciiLowercased() == value.asciiLowercased() }) ? nil
                : "'\(value)' is not one of: \(words.joined(separator: ", "))"
        case .aesKey:
            guard Hex.encryptionKey(value) == nil else { return nil }
            let compact = value.filter { $0 != " " }
            let count = compact.count
            // A key is a secret: the message names the place of the first wrong character, never the value.
            let position = compact.firstIndex { !$0.isHexDigit }.map { compact.distance(from: compact.startIndex, to: $0) + 1 } ?? 0
            // (64 hex characters, an AES-256 key for DLMS security suite 2, are accepted too; see checkReader.)
            return count == 32 || count == 64 ? "character \(position) is not a hex digit; a key is 32 hex characters (16 bytes)"
                : "must be 32 hex characters (16 bytes), got \(count) characters"
        case .timeZone:
            return TimeZoneRules(identifier: value) == nil ? "unknown time zone '\(value)' (use a name like Europe/Zurich)" : nil
        case .meterType:
            let names = MeterType.allCases.map(\.rawValue)
            return MeterType(rawValue: value.asciiLowercased()) != nil ? nil
                : "unknown meter type '\(value)'" + Suggestion.didYouMean(value, among: names)
                    + " (one of: \(names.joined(separator: ", ")))"
        case .logLevel:
            return LogLevel(word: value) != nil ? nil : "'\(value)' is not a log level (DEBUG, INFO, WARNING, ERROR)"
        case .topicLevels:
            return MQTTNames.topicProblem(value)
        case .clientID:
            return MQTTNames.clientIDProblem(value)
        case .connectionString:
            // Named without its text, which may hold a password. Without libpq on this machine the sink says so
            // when it starts.
            do {
                _ = try PostgresConnectionString(parsing: value)
                return nil
            } catch {
                switch error {
                case .unreadable: return error.description
                case .noClientLibrary: return nil
                }
            }
        case .identifier:
            return !value.isEmpty && value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) ? nil
                : "'\(value)' must be letters and digits only"
        case .listenAddresses:
            do {
                _ = try HTTPListenAddress.list(parsing: value)
                return nil
            } catch {
                return error.description
            }
        case .sinkType:
            let names = SinkSchema.all.map(\.type)
            return SinkSchema.named(value.asciiLowercased()) != nil ? nil
                : "unknown sink type '\(value)'" + Suggestion.didYouMean(value, among: names)
                    + " (one of: \(names.joined(separator: ", ")))"
        }
    }

    /// Python's configparser booleans, which the reference configuration files use.
    public static func boolean(_ value: String) -> Bool? {
        switch value.asciiLowercased() {
        case "1", "yes", "true", "on": return true
        case "0", "no", "false", "off": return false
        default: return nil
        }
    }

    private func duplicateKeyProblems(in section: IniDocument.Section) -> [ConfigurationProblem] {
        var first: [String: ConfigurationLocation] = [:]
        var problems: [ConfigurationProblem] = []
        for entry in section.entries {
            if let earlier = first[entry.key] {
                problems.append(ConfigurationProblem("set again (first at \(earlier)); only one value is kept",
                                                     at: entry.location, section: section.name, key: entry.key))
            } else {
                first[entry.key] = entry.location
            }
        }
        return problems
    }
}

/// `[readerN]`, `[sinkN]`, `[logging]` or `[http]`.
enum SectionKind {
    case reader(Int), sink(Int), logging, http

    init?(_ name: String) {
        if name == "logging" { self = .logging; return }
        if name == "http" { self = .http; return }
        for (prefix, make) in [("reader", SectionKind.reader), ("sink", SectionKind.sink)] where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let number = Int(digits) else { return nil }
            self = make(number)
            return
        }
        return nil
    }

    /// Sections with the same identity are duplicates: `[reader1]` and `[reader01]`.
    var identity: String {
        switch self {
        case .reader(let number): return "reader\(number)"
        case .sink(let number): return "sink\(number)"
        case .logging: return "logging"
        case .http: return "http"
        }
    }

    /// Why `name` is not a section name we know, with a suggestion.
    static func problem(with name: String) -> String {
        for prefix in ["reader", "sink"] where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            if !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                return "section number \(digits.count > 24 ? digits.prefix(20) + "..." : digits) is too large; "
                    + "use a small number such as [\(prefix)1]"
            }
        }
        return "unknown section" + suggestion(for: name) + "; sections are [readerN], [sinkN], [logging] and [http]"
    }

    static func suggestion(for name: String) -> String {
        let letters = String(name.prefix { !$0.isNumber })
        let digits = name.dropFirst(letters.count)
        guard let word = Suggestion.closest(to: letters, among: ["reader", "sink", "logging", "http"]) else { return "" }
        return word == "logging" || word == "http" ? "; did you mean [\(word)]?" : "; did you mean [\(word)\(digits.isEmpty ? "N" : String(digits))]?"
    }
}
