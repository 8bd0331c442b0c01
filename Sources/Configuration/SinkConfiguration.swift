import Protocols
import Delivery

/// One `[sinkN]` section, checked and typed: what the sink of its type needs, and the queue in front of it.
public struct SinkConfiguration: Sendable, Equatable {
    /// `sink0`.
    public var name: String
    public var settings: SinkSettings
    public var queue: SinkQueueLimits

    public init(name: String, settings: SinkSettings, queue: SinkQueueLimits = SinkQueueLimits()) {
        self.name = name
        self.settings = settings
        self.queue = queue
    }

    /// The section's `type` word, for log lines, the status page and metrics labels.
    public var type: String { settings.type.rawValue }
}

/// What each sink type needs. A new sink type is a case here (and in `SinkType`): the compiler then points at every
/// switch that must learn it (the collector's sink factory, `smartmeter-config test-sinks`).
public enum SinkSettings: Sendable, Equatable {
    /// One line per value on standard output, under this logger name.
    case logger(name: String)
    /// One CSV file per meter and UTC day in this folder.
    case csv(directory: String)
    /// One JSON object per reading and line, appended to this file.
    case jsonl(file: String)
    /// MQTT in one of its three layouts.
    case mqtt(MQTTSinkSettings)
    /// PostgreSQL, with or without what TimescaleDB adds.
    case postgresql(PostgresSinkSettings)

    public var type: SinkType {
        switch self {
        case .logger: return .logger
        case .csv: return .csv
        case .jsonl: return .jsonl
        case .mqtt(let mqtt):
            switch mqtt.layout {
            case .mqtt: return .mqtt
            case .mqttrldsp: return .mqttrldsp
            case .mqttjson: return .mqttjson
            }
        case .postgresql(let postgres): return postgres.timescale.requested ? .timescaledb : .postgresql
        }
    }
}

/// The readings held for a sink while it is slow (`queue_size`, `queue_max_kb`): the oldest are dropped beyond.
public struct SinkQueueLimits: Sendable, Equatable {
    public var readings: Int
    public var kilobytes: Int

    public static let defaultReadings = 10_000
    public static let defaultKilobytes = 16_384

    public init(readings: Int = Self.defaultReadings, kilobytes: Int = Self.defaultKilobytes) {
        self.readings = readings
        self.kilobytes = kilobytes
    }
}

/// The on-disk spool of a sink that must not lose readings while its server is away (`spool_dir`, `spool_max_mb`).
public struct SpoolSettings: Sendable, Equatable {
    /// nil: the default folder for the sink (`SpoolLocation.defaultFolder`), which depends on the environment.
    public var directory: String?
    public var maximumMegabytes: Int

    public static let defaultMaximumMegabytes = 100

    public init(directory: String? = nil, maximumMegabytes: Int = Self.defaultMaximumMegabytes) {
        self.directory = directory
        self.maximumMegabytes = maximumMegabytes
    }
}

/// An `mqtt`, `mqttrldsp` or `mqttjson` sink: the broker connection and what is published how.
public struct MQTTSinkSettings: Sendable, Equatable {
    public var layout: MQTTPayloadFormat
    public var connection: MQTTSettings
    /// `topic_prefix`.
    public var topicPrefix: String
    /// `topic_group`, the group level of `mqttrldsp` topics.
    public var topicGroup: String
    public var qos: Int
    public var retain: Bool
    /// Home Assistant's discovery prefix when `ha_discovery` is on; nil when off.
    public var homeAssistantPrefix: String?
    public var spool: SpoolSettings

    public static let defaultTopicPrefix = "smartmeter"
    public static let defaultTopicGroup = "mqttrldsp"
    public static let defaultQoS = 1
    public static let defaultKeepalive = 60

    public init(layout: MQTTPayloadFormat, connection: MQTTSettings, topicPrefix: String = Self.defaultTopicPrefix,
                topicGroup: String = Self.defaultTopicGroup, qos: Int = Self.defaultQoS, retain: Bool = false,
                homeAssistantPrefix: String? = nil, spool: SpoolSettings = SpoolSettings()) {
        self.layout = layout
        self.connection = connection
        self.topicPrefix = topicPrefix
        self.topicGroup = topicGroup
        self.qos = qos
        self.retain = retain
        self.homeAssistantPrefix = homeAssistantPrefix
        self.spool = spool
    }
}

/// A `postgresql` or `timescaledb` sink: the server, the batch size and what TimescaleDB is asked for
/// (`TimescaleOptions.hypertablesOnly` for `postgresql`).
public struct PostgresSinkSettings: Sendable, Equatable {
    public var connection: PostgresSettings
    /// Readings per insert transaction at most (`batch_size`).
    public var batchReadings: Int
    public var timescale: TimescaleOptions
    public var spool: SpoolSettings

    public static let defaultBatchReadings = 500

    public init(connection: PostgresSettings, batchReadings: Int = Self.defaultBatchReadings,
                timescale: TimescaleOptions = .hypertablesOnly, spool: SpoolSettings = SpoolSettings()) {
        self.connection = connection
        self.batchReadings = batchReadings
        self.timescale = timescale
        self.spool = spool
    }
}
