import Protocols
import Delivery

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
        /// 16 bytes as 32 hex characters, or 32 bytes as 64 (AES-256, DLMS security suite 2; DLMS meter types only).
        case aesKey
        case timeZone
        case meterType
        case logLevel
        case sinkType
        /// Letters and digits only (an MQTT topic level without separators or wildcards).
        case identifier
        /// MQTT topic levels we publish under: no wildcards, NUL or control characters (`MQTTNames`).
        case topicLevels
        /// An MQTT client id, also a level of the status topic: no `/`, wildcards, NUL or control characters.
        case clientID
        /// A libpq connection string or URI that libpq can read (`PostgresConnectionString`).
        case connectionString
        /// `[http] listen`: addresses with ports and unix socket paths (`HTTPListenAddress`).
        case listenAddresses
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

/// The keys of one sink type (`SinkType.schema`); `SinkConfiguration(checked:type:)` reads them into `SinkSettings`.
public struct SinkSchema: Sendable {
    public var type: String
    public var summary: String
    public var keys: [KeySchema]
    /// Rules between keys of one section: (problem, key) for each one broken.
    public var crossCheck: @Sendable (IniDocument.Section) -> [(String, String)]

    public init(type: String, summary: String, keys: [KeySchema],
                crossCheck: @escaping @Sendable (IniDocument.Section) -> [(String, String)] = { _ in [] }) {
        self.type = type
        self.summary = summary
        self.crossCheck = crossCheck
        self.keys = [KeySchema("type", .sinkType, required: true, help: "type of the sink")] + keys + [
            KeySchema("queue_size", .integer(1...1_000_000),
                      help: "readings held for this sink while it is slow; the oldest are dropped beyond (default \(SinkQueueLimits.defaultReadings))"),
            KeySchema("queue_max_kb", .integer(64...4_194_304),
                      help: "memory the queued readings of this sink may take, in KiB; the oldest are dropped beyond (default \(SinkQueueLimits.defaultKilobytes)); a replayed file waits for the sink instead"),
        ]
    }

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
            KeySchema("baudrate", .baudRate, help: "serial speed; default per meter type (siemens_td3511: the highest speed for the data readout after the sign-on at 300, default what the meter offers up to 19200)"),
            KeySchema("parity", .choice(["N", "E", "O", "none", "even", "odd"]), help: "N, E or O; default per meter type"),
            KeySchema("databits", .integer(5...8), help: "5 to 8; default per meter type"),
            KeySchema("stopbits", .integer(1...2), help: "1 or 2; default per meter type"),
            KeySchema("key", .aesKey, help: "optional encryption key: 32 hex characters (64 for DLMS security suite 2, AES-256)"),
            KeySchema("auth_key", .aesKey, help: "optional authentication key: 32 hex characters, 64 with a 64-digit key (needs key)"),
            KeySchema("systemtime", .boolean, help: "stamp readings with the system clock instead of the meter's"),
            KeySchema("timezone", .timeZone, help: "zone of meter times sent without UTC offset, e.g. Europe/Zurich; default Europe/Brussels for P1 meter types, else the system's"),
            KeySchema("id", .text, help: "source id that replaces the meter's own"),
            KeySchema("interval", .integer(1...86_400),
                      help: "siemens_td3511: seconds from one readout (sign-on) to the next (default \(ReaderConfiguration.defaultInterval)); after a failed one the reader signs on again at the next interval, at least 2 s later"),
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

extension ConfigurationSchema {
    public static let httpKeys: [KeySchema] = [
        KeySchema("listen", .listenAddresses,
                  help: "where the web page, API and /metrics listen: host:port, [IPv6]:port or a unix socket path, several separated by commas (default \(HTTPConfiguration.defaultListen); anything beyond loopback needs password or token)"),
        KeySchema("password", .text, help: "password a browser is asked for (HTTP Basic, any user name); required with token unless listening on loopback or a unix socket only"),
        KeySchema("token", .text, help: "token for scripts and Prometheus: Authorization: Bearer <token>"),
        KeySchema("stale_after", .integer(5...86_400),
                  help: "seconds without a reading after which /healthz reports a meter's reader as stale and Home Assistant shows its meter unavailable (default \(HTTPConfiguration.defaultStaleAfter), also without [http]; readout meters: at least 3 intervals)"),
    ]
}

extension SinkSchema {
    public static let all: [SinkSchema] = SinkType.allCases.map(\.schema)

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

    public static let mqtt = SinkSchema(
        type: "mqtt", summary: "MQTT: <topic_prefix>/<source>/<TYPE> with {\"value\",\"timestamp\",\"obis\"}, as the reference collector",
        keys: mqttKeys, crossCheck: mqttRules)
    public static let mqttrldsp = SinkSchema(
        type: "mqttrldsp", summary: "MQTT: one message per reading on dt/<topic_group>/<source>/ds", keys: mqttKeys,
        crossCheck: mqttRules)
    public static let mqttjson = SinkSchema(
        type: "mqttjson", summary: "MQTT: one message per reading on <topic_prefix>/<source>, the decode JSON", keys: mqttKeys,
        crossCheck: mqttRules)

    /// Credentials and certificates come in pairs.
    @Sendable static func mqttRules(_ section: IniDocument.Section) -> [(String, String)] {
        var problems: [(String, String)] = []
        let has = { (key: String) in section.value(key) != nil }
        if has("username") && !has("password") { problems.append(("username without password", "username")) }
        if has("password") && !has("username") { problems.append(("password without username", "password")) }
        if has("client_cert_path") && !has("client_key_path") {
            problems.append(("client certificate without client_key_path", "client_cert_path"))
        }
        if has("client_key_path") && !has("client_cert_path") {
            problems.append(("client key without client_cert_path", "client_key_path"))
        }
        let tls = section.value("tls").flatMap(ConfigurationValidator.boolean) ?? false
        for key in ["ca_file_path", "client_cert_path", "client_key_path"] where has(key) && !tls {
            problems.append(("\(key) is set but tls is not enabled", key))
        }
        if has("ha_discovery_prefix") && section.value("ha_discovery").flatMap(ConfigurationValidator.boolean) != true {
            problems.append(("ha_discovery_prefix is set but ha_discovery is not enabled", "ha_discovery_prefix"))
        }
        return problems
    }

    static let mqttKeys: [KeySchema] = [
        KeySchema("host", .host, required: true, help: "host / IP address of the MQTT broker"),
        KeySchema("port", .integer(1...65_535), help: "port of the MQTT broker (default 1883, 8883 with TLS)"),
        KeySchema("tls", .boolean, help: "whether to use TLS (Transport Layer Security)"),
        KeySchema("ca_file_path", .path, help: "optional CA certificate that signed the broker's certificate; empty: the system's CA store"),
        KeySchema("check_hostname", .boolean, help: "whether to check the hostname of the broker against its certificate (default True)"),
        KeySchema("username", .text, help: "optional username for authentication with the broker"),
        KeySchema("password", .text, help: "optional password for authentication with the broker"),
        KeySchema("client_cert_path", .path, help: "optional path to the client certificate"),
        KeySchema("client_key_path", .path, help: "optional path to the private key of the client certificate"),
        KeySchema("client_id", .clientID, help: "MQTT client id (default smartmeter-<hostname>)"),
        KeySchema("qos", .integer(0...2), help: "quality of service 0, 1 or 2 (default 1)"),
        KeySchema("retain", .boolean, help: "publish retained messages (default False)"),
        KeySchema("keepalive", .integer(5...3_600), help: "seconds between keep-alive pings (default 60)"),
        KeySchema("topic_prefix", .topicLevels, help: "first topic level (default smartmeter)"),
        KeySchema("topic_group", .identifier, help: "group level of mqttrldsp topics, letters and digits (default mqttrldsp)"),
        KeySchema("ha_discovery", .boolean, help: "announce each meter and its values to Home Assistant (MQTT discovery, retained; default False)"),
        KeySchema("ha_discovery_prefix", .identifier, help: "Home Assistant's discovery prefix, letters and digits (default homeassistant)"),
        KeySchema("tls_version", .choice(["tlsv1.2", "tlsv1.3"]), help: "TLS version (default: the newest both sides speak)"),
        KeySchema("protocol", .choice(["3.1.1", "5"]), help: "MQTT protocol version (default 3.1.1)"),
        KeySchema("spool_dir", .path, help: "folder of the on-disk spool that holds readings while the broker is away (default $STATE_DIRECTORY/spool/<sinkN>, else $XDG_STATE_HOME or ~/.local/state, then smartmeter-datacollector/spool/<sinkN>)"),
        KeySchema("spool_max_mb", .integer(1...100_000), help: "size of the spool; beyond it the oldest readings are dropped (default 100)"),
    ]

    public static let postgresql = SinkSchema(
        type: "postgresql", summary: "PostgreSQL: the Belgian P1 logger's tables (elec_measurement, mbus_measurement, peak_demand, peak_demand_history)",
        keys: postgresqlKeys, crossCheck: postgresqlRules)
    public static let timescaledb = SinkSchema(
        type: "timescaledb", summary: "as postgresql, with TimescaleDB when the server preloads it: hypertables, compression, aggregates per 15 minutes, hour and day (elec_measurement_15min, _hourly, _daily), retention",
        keys: postgresqlKeys + timescaleKeys, crossCheck: { postgresqlRules($0) + timescaleRules($0) })

    static let timescaleKeys: [KeySchema] = [
        KeySchema("chunk_interval_hours", .integer(1...8_760),
                  help: "hours of elec_measurement rows per TimescaleDB chunk (default \(TimescaleOptions.defaultChunkIntervalHours): about 1.5 million rows at one telegram per second)"),
        KeySchema("compress_after", .integer(0...3_650),
                  help: "days after which chunks are compressed, segmented by device and name and ordered by time; 0: never (default \(TimescaleOptions.defaultCompressAfterDays))"),
        KeySchema("aggregates", .boolean,
                  help: "continuous aggregates elec_measurement_15min, _hourly and _daily (average, min, max, first, last, delta per value) refreshed by policy (default True)"),
        KeySchema("raw_retention", .integer(0...36_500),
                  help: "days after which raw elec_measurement rows are dropped while the aggregates stay, e.g. 90; 0: keep them (default 0)"),
    ]

    /// Raw rows must outlive the window the aggregates recompute, and should be compressed before they are dropped.
    @Sendable static func timescaleRules(_ section: IniDocument.Section) -> [(String, String)] {
        guard let text = section.value("raw_retention"), let days = Int(text.trimmed), days > 0 else { return [] }
        var problems: [(String, String)] = []
        let minimum = 2 * TimescaleOptions.refreshWindowDays + 1
        if days < minimum {
            problems.append(("\(days) days is shorter than the aggregates' refresh window; at least \(minimum)", "raw_retention"))
        }
        if section.value("aggregates").flatMap(ConfigurationValidator.boolean) == false {
            problems.append(("raw_retention drops rows that no aggregate keeps; set aggregates = true or raw_retention = 0", "raw_retention"))
        }
        return problems
    }

    /// `dsn` stands alone; without it, `host` says where the server is.
    @Sendable static func postgresqlRules(_ section: IniDocument.Section) -> [(String, String)] {
        let has = { (key: String) in section.value(key) != nil }
        guard has("dsn") else {
            return has("host") ? [] : [("missing; or set dsn", "host")]
        }
        return ["host", "port", "database", "user", "password", "sslmode"].filter(has).map {
            ("\($0) is set beside dsn; put it in the dsn instead", $0)
        }
    }

    static let postgresqlKeys: [KeySchema] = [
        KeySchema("host", .text, help: "host name or IP address of the PostgreSQL server, or the folder of its unix socket (e.g. /var/run/postgresql)"),
        KeySchema("port", .integer(1...65_535), help: "port of the server (default 5432)"),
        KeySchema("database", .text, help: "database (default premises)"),
        KeySchema("user", .text, help: "user (default: the user the collector runs as)"),
        KeySchema("password", .text, help: "optional password"),
        KeySchema("sslmode", .choice(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]),
                  help: "TLS: disable, allow, prefer, require, verify-ca or verify-full (default prefer)"),
        KeySchema("dsn", .connectionString, help: "instead of the keys above: a libpq connection string or postgresql:// URI"),
        KeySchema("batch_size", .integer(1...100_000), help: "readings per insert transaction at most (default 500)"),
        KeySchema("spool_dir", .path, help: "folder of the on-disk spool that holds readings while the server is away (default $STATE_DIRECTORY/spool/<sinkN>, else $XDG_STATE_HOME or ~/.local/state, then smartmeter-datacollector/spool/<sinkN>)"),
        KeySchema("spool_max_mb", .integer(1...100_000), help: "size of the spool; beyond it the oldest readings are dropped (default 100)"),
    ]
}
