import FoundationEssentials
import Protocols
import Delivery

/// From a `[sinkN]` section to typed settings: the one place where a sink's keys are read and their defaults applied.
/// The validator calls it once a section has passed its checks; `ClientIDConflicts` reads the MQTT connection of
/// sections that may not have.
extension SinkConfiguration {
    /// nil when a required key is missing (which the validator reports before it gets here).
    init?(checked section: IniDocument.Section, type: SinkType) {
        let settings: SinkSettings
        switch type {
        case .logger:
            settings = .logger(name: section.value("name") ?? "DataLogger")
        case .csv:
            guard let directory = section.value("directory") else { return nil }
            settings = .csv(directory: directory)
        case .jsonl:
            guard let file = section.value("file") else { return nil }
            settings = .jsonl(file: file)
        case .mqtt:
            settings = .mqtt(MQTTSinkSettings(section, layout: .mqtt))
        case .mqttrldsp:
            settings = .mqtt(MQTTSinkSettings(section, layout: .mqttrldsp))
        case .mqttjson:
            settings = .mqtt(MQTTSinkSettings(section, layout: .mqttjson))
        case .postgresql:
            settings = .postgresql(PostgresSinkSettings(section, timescale: .hypertablesOnly))
        case .timescaledb:
            settings = .postgresql(PostgresSinkSettings(section, timescale: TimescaleOptions(section)))
        }
        self.init(name: section.name, settings: settings, queue: SinkQueueLimits(
            readings: section.integer("queue_size") ?? SinkQueueLimits.defaultReadings,
            kilobytes: section.integer("queue_max_kb") ?? SinkQueueLimits.defaultKilobytes))
    }
}

extension MQTTSinkSettings {
    /// The keys of an MQTT sink section; what is missing or unreadable takes its default.
    public init(_ section: IniDocument.Section, layout: MQTTPayloadFormat) {
        let topicPrefix = section.value("topic_prefix") ?? Self.defaultTopicPrefix
        let clientID = section.value("client_id") ?? Self.defaultClientID(sink: section.name)
        let connection = MQTTSettings(
            host: section.value("host") ?? "127.0.0.1", port: section.integer("port"), tls: section.flag("tls") ?? false,
            caFile: section.value("ca_file_path"), checkHostname: section.flag("check_hostname") ?? true,
            username: section.value("username"), password: section.value("password"),
            clientCertificate: section.value("client_cert_path"), clientKey: section.value("client_key_path"),
            clientID: clientID, keepalive: section.integer("keepalive") ?? Self.defaultKeepalive,
            tlsVersion: section.value("tls_version"), mqtt5: section.value("protocol") == "5",
            statusTopic: "\(topicPrefix)/\(clientID)/status")
        self.init(layout: layout, connection: connection, topicPrefix: topicPrefix,
                  topicGroup: section.value("topic_group") ?? Self.defaultTopicGroup,
                  qos: section.integer("qos") ?? Self.defaultQoS, retain: section.flag("retain") ?? false,
                  homeAssistantPrefix: section.flag("ha_discovery") == true
                      ? section.value("ha_discovery_prefix") ?? HomeAssistantDiscovery.defaultPrefix : nil,
                  spool: SpoolSettings(section))
    }

    /// `smartmeter-<host name>-<sinkN>`: one per sink, so two MQTT sinks to one broker (say `mqtt` and `mqttjson`)
    /// do not take each other's session over (a broker disconnects the older client with the same id).
    public static func defaultClientID(sink name: String) -> String {
        "smartmeter-\(ProcessInfo.processInfo.hostName)-\(name)"
    }
}

extension PostgresSinkSettings {
    /// The keys of a `postgresql` or `timescaledb` sink section. `dsn` stands alone; otherwise `host`, `port`,
    /// `database`, `user`, `password` and `sslmode`, with `PostgresSettings`' defaults.
    public init(_ section: IniDocument.Section, timescale: TimescaleOptions) {
        let defaults = PostgresSettings()
        let connection = PostgresSettings(
            dsn: section.value("dsn"), host: section.value("host"), port: section.integer("port") ?? defaults.port,
            database: section.value("database") ?? defaults.database, user: section.value("user"),
            password: section.value("password"), sslmode: section.value("sslmode")?.lowercased() ?? defaults.sslmode)
        self.init(connection: connection, batchReadings: section.integer("batch_size") ?? Self.defaultBatchReadings,
                  timescale: timescale, spool: SpoolSettings(section))
    }
}

extension TimescaleOptions {
    /// The options of a `timescaledb` section; anything unreadable falls back to its default. `0` turns compression
    /// or retention off.
    init(_ section: IniDocument.Section) {
        func days(_ key: String, _ fallback: Int?) -> Int? {
            guard let value = section.integer(key) else { return fallback }
            return value > 0 ? value : nil
        }
        self.init(
            chunkIntervalHours: section.integer("chunk_interval_hours").map { max(1, $0) } ?? Self.defaultChunkIntervalHours,
            compressAfterDays: days("compress_after", Self.defaultCompressAfterDays),
            rawRetentionDays: days("raw_retention", nil),
            aggregates: section.flag("aggregates") ?? true)
    }
}

extension SpoolSettings {
    init(_ section: IniDocument.Section) {
        self.init(directory: section.value("spool_dir"),
                  maximumMegabytes: section.integer("spool_max_mb") ?? Self.defaultMaximumMegabytes)
    }
}

extension IniDocument.Section {
    /// A whole number, nil when missing, empty or not a number.
    func integer(_ key: String) -> Int? { value(key).flatMap { Int($0.trimmed) } }

    /// A configparser boolean, nil when missing, empty or not a boolean.
    func flag(_ key: String) -> Bool? { value(key).flatMap(ConfigurationValidator.boolean) }
}
