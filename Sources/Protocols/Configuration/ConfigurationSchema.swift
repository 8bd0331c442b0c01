/// The keys a section may hold, what each accepts, and the one-line help that `--saveconfig` writes above it.
public struct KeySchema: Sendable {
    public enum Kind: Sendable {
        case text
        case path
        case host
        case integer(ClosedRange<Int>)
        /// A speed termios can set.
        case baudRate
        case boolean
        /// One of these words, compared case-insensitively.
        case choice([String])
        /// 16 bytes as 32 hex characters.
        case aesKey
        case timeZone
        case meterType
        case logLevel
        case sinkType
    }

    public var name: String
    public var kind: Kind
    public var required: Bool
    public var help: String

    public init(_ name: String, _ kind: Kind, required: Bool = false, help: String) {
        self.name = name
        self.kind = kind
        self.required = required
        self.help = help
    }
}

/// The keys of one sink type. The collector implements the types it can run; validation accepts every type listed
/// in `SinkSchema.all`, so configurations written for the reference collector (MQTT) stay valid.
public struct SinkSchema: Sendable {
    public var type: String
    public var summary: String
    public var keys: [KeySchema]

    public init(type: String, summary: String, keys: [KeySchema]) {
        self.type = type
        self.summary = summary
        self.keys = [KeySchema("type", .sinkType, required: true, help: "type of the sink")] + keys + [
            KeySchema("queue_size", .integer(1...1_000_000),
                      help: "readings held for this sink while it is slow; the oldest are dropped beyond (default \(Self.defaultQueueSize))"),
        ]
    }

    public static let defaultQueueSize = 10_000

    public static func named(_ type: String) -> SinkSchema? {
        all.first { $0.type == type }
    }
}

public enum ConfigurationSchema {
    /// The serial speeds Linux termios offers.
    public static let baudRates = [50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19_200, 38_400,
                                   57_600, 115_200, 230_400, 460_800, 500_000, 576_000, 921_600, 1_000_000, 1_152_000,
                                   1_500_000, 2_000_000, 2_500_000, 3_000_000, 3_500_000, 4_000_000]

    public static var readerKeys: [KeySchema] {
        [
            KeySchema("type", .meterType, required: true,
                      help: "type of the connected smart meter: " + MeterType.allCases.map(\.rawValue).joined(separator: ", ")),
            KeySchema("port", .path, help: "serial port to which the smart meter is connected (/dev/serial/by-id/... names work)"),
            KeySchema("file", .path, help: "instead of port: a capture to replay (hex text, raw bytes or P1 telegrams)"),
            KeySchema("replay_speed", .choice(ReaderConfiguration.ReplaySpeed.allCases.map(\.rawValue)),
                      help: "with file: realtime (paced by the meter's timestamps) or max"),
            KeySchema("baudrate", .baudRate, help: "serial speed; default per meter type"),
            KeySchema("parity", .choice(["N", "E", "O", "none", "even", "odd"]), help: "N, E or O; default per meter type"),
            KeySchema("databits", .integer(5...8), help: "5 to 8; default per meter type"),
            KeySchema("stopbits", .integer(1...2), help: "1 or 2; default per meter type"),
            KeySchema("key", .aesKey, help: "optional encryption key: 32 hex characters"),
            KeySchema("auth_key", .aesKey, help: "optional authentication key: 32 hex characters (needs key)"),
            KeySchema("systemtime", .boolean, help: "stamp readings with the system clock instead of the meter's"),
            KeySchema("timezone", .timeZone, help: "zone of meter times sent without UTC offset, e.g. Europe/Zurich; default the system's"),
            KeySchema("id", .text, help: "source id that replaces the meter's own"),
        ]
    }

    public static let loggingKeys: [KeySchema] = [
        KeySchema("default", .logLevel, help: "log level: DEBUG / INFO / WARNING / ERROR"),
        KeySchema("smartmeter", .logLevel, help: "log level of readers and decoders"),
        KeySchema("collector", .logLevel, help: "log level of the pipeline"),
        KeySchema("sink", .logLevel, help: "log level of the sinks"),
        KeySchema("statistics_interval", .integer(1...86_400),
                  help: "seconds between the INFO lines with frame, reading and drop counters"),
    ]
}

extension SinkSchema {
    public static let all: [SinkSchema] = [logger, csv, jsonl, mqtt]

    public static let logger = SinkSchema(type: "logger", summary: "one line per value on standard output", keys: [
        KeySchema("name", .text, help: "name of the logger"),
    ])

    public static let csv = SinkSchema(
        type: "csv", summary: "one CSV file per meter and UTC day: timestamp,source,obis,type,value,unit", keys: [
            KeySchema("directory", .path, required: true, help: "folder where files are saved to"),
        ])

    public static let jsonl = SinkSchema(type: "jsonl", summary: "one JSON object per reading and line", keys: [
        KeySchema("file", .path, required: true, help: "file the JSON lines are appended to"),
    ])

    public static let mqtt = SinkSchema(type: "mqtt", summary: "MQTT v3.1.1 broker", keys: [
        KeySchema("host", .host, required: true, help: "host / IP address of the MQTT broker"),
        KeySchema("port", .integer(1...65_535), help: "port of the MQTT broker"),
        KeySchema("tls", .boolean, help: "whether to use TLS (Transport Layer Security)"),
        KeySchema("ca_file_path", .path, help: "optional path to the CA certificate used to validate the broker's certificate"),
        KeySchema("check_hostname", .boolean, help: "whether to check the hostname of the broker against the certificate"),
        KeySchema("username", .text, help: "optional username for authentication with the broker"),
        KeySchema("password", .text, help: "optional password for authentication with the broker"),
        KeySchema("client_cert_path", .path, help: "optional path to the client certificate"),
        KeySchema("client_key_path", .path, help: "optional path to the private key of the client certificate"),
    ])
}
