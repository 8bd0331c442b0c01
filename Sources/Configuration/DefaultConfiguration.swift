import Protocols

/// The configuration used when there is no file (an L+G E450 on /dev/ttyUSB0, a logger sink and an MQTT sink to a
/// local broker, as the reference collector, and the web face on 127.0.0.1:8180), and the commented file `--saveconfig` writes from it.
public enum DefaultConfiguration {
    public static let document = IniDocument(sections: [
        section("reader0", ["type": "lge450", "port": "/dev/ttyUSB0", "key": ""]),
        section("sink0", ["type": "logger", "name": "DataLogger"]),
        section("sink1", ["type": "mqtt", "host": "127.0.0.1", "port": "1883", "tls": "False",
                          "check_hostname": "False"]),
        section("logging", ["default": "WARNING", "smartmeter": "INFO", "collector": "INFO", "sink": "INFO"]),
        section("http", ["listen": HTTPConfiguration.defaultListen]),
    ])

    /// Examples written commented out after the active sections.
    static let examples: [(name: String, values: [String: String])] = [
        ("sink2", ["type": "csv", "directory": "/var/lib/smartmeter-datacollector/csv"]),
        ("sink3", ["type": "jsonl", "file": "/var/lib/smartmeter-datacollector/readings.jsonl"]),
    ]

    /// The INI text: every key of each section with its help as a comment; unset optional keys are commented out.
    public static var text: String {
        commentedText(for: document, examples: true)
    }

    /// Any configuration as `--saveconfig` writes the default: a header, then each section with every key of its
    /// schema and its help as a comment; the commented-out CSV and JSON-lines examples follow when `examples` is set.
    public static func commentedText(for document: IniDocument, examples withExamples: Bool) -> String {
        var out = """
            # smartmeter-datacollector configuration
            #
            # Any number of [readerN] and [sinkN] sections. Environment variables override or add keys:
            # SMARTMETER__READER0__PORT=/dev/ttyUSB1 sets 'port' of [reader0].
            # A value left empty ('key =') is not set.

            """
        for section in document.sections {
            out += "\n" + render(section.name, values: Dictionary(uniqueKeysWithValues: section.entries.map { ($0.key, $0.value) }),
                                 commented: false)
        }
        for example in withExamples ? examples : [] {
            out += "\n" + render(example.name, values: example.values, commented: true)
        }
        return out
    }

    private static func render(_ name: String, values: [String: String], commented: Bool) -> String {
        let keys: [KeySchema]
        switch SectionKind(name) {
        case .reader?: keys = ConfigurationSchema.readerKeys
        case .sink?: keys = SinkSchema.named(values["type"] ?? "")?.keys ?? []
        case .logging?, nil: keys = ConfigurationSchema.loggingKeys
        case .http?: keys = ConfigurationSchema.httpKeys
        }
        let lead = commented ? "# " : ""
        var out = "\(lead)[\(name)]\n"
        for key in keys {
            out += "\(lead)# \(key.help)\n"
            if let value = values[key.name] {
                out += "\(lead)\(key.name) = \(IniTextEditor.quoted(value))\n"
            } else {
                out += "# \(key.name) =\n"
            }
        }
        return out
    }

    private static func section(_ name: String, _ values: KeyValuePairs<String, String>) -> IniDocument.Section {
        IniDocument.Section(name: name, location: .builtIn,
                            entries: values.map { IniDocument.Entry(key: $0.key, value: $0.value, location: .builtIn) })
    }
}
