import Protocols

/// A validated configuration: what the collector runs. Built by `ConfigurationValidator` from an `IniDocument`.
public struct CollectorConfiguration: Sendable {
    public var readers: [ReaderConfiguration]
    public var sinks: [SinkConfiguration]
    public var logging: LoggingConfiguration
    /// The web face; nil without an `[http]` section.
    public var http: HTTPConfiguration?

    public init(readers: [ReaderConfiguration], sinks: [SinkConfiguration], logging: LoggingConfiguration,
                http: HTTPConfiguration? = nil) {
        self.readers = readers
        self.sinks = sinks
        self.logging = logging
        self.http = http
    }
}

/// One `[readerN]` section.
public struct ReaderConfiguration: Sendable {
    public enum ReplaySpeed: String, Sendable, CaseIterable {
        /// Readings are passed on with the gaps between their timestamps.
        case realtime
        /// As fast as the sinks take them.
        case max
    }

    public enum Input: Sendable, Equatable {
        case serial(port: String, settings: MeterType.SerialSettings)
        case file(path: String, speed: ReplaySpeed)

        /// The port or file path.
        public var path: String {
            switch self {
            case .serial(let port, _): return port
            case .file(let path, _): return path
            }
        }
    }

    /// `reader0`.
    public var name: String
    public var meter: MeterType
    public var input: Input
    public var key: [UInt8]?
    public var authenticationKey: [UInt8]?
    public var useSystemTime: Bool
    /// A zone name already checked to exist; nil for the meter type's usual zone (Europe/Brussels for P1 types) or
    /// else the system's.
    public var timeZone: String?
    public var sourceId: String?
    /// IEC 62056-21 readout meters: seconds from one sign-on to the next (`interval`).
    public var interval: Int
    /// IEC 62056-21 readout meters: the highest speed accepted for the data readout (`baudrate`; the sign-on is
    /// always at 300); nil: what the meter offers, up to 19200.
    public var readoutBaudRate: Int?

    /// A TD-3511 readout takes about 1.5 s at 9600 baud; every 10 s is the pace of push meters and leaves the
    /// optical port idle most of the time.
    public static let defaultInterval = 10

    public init(name: String, meter: MeterType, input: Input, key: [UInt8]? = nil, authenticationKey: [UInt8]? = nil,
                useSystemTime: Bool = false, timeZone: String? = nil, sourceId: String? = nil,
                interval: Int = Self.defaultInterval, readoutBaudRate: Int? = nil) {
        self.interval = interval
        self.readoutBaudRate = readoutBaudRate
        self.name = name
        self.meter = meter
        self.input = input
        self.key = key
        self.authenticationKey = authenticationKey
        self.useSystemTime = useSystemTime
        self.timeZone = timeZone
        self.sourceId = sourceId
    }

    /// What the decoder of this reader needs; the fallback source id is the last path component of the port or file.
    public func decoderConfiguration() -> DecoderConfiguration {
        let path = input.path
        let fallback = path.split(separator: "/").last.map(String.init) ?? path
        return DecoderConfiguration(
            meter: meter, key: key, authenticationKey: authenticationKey,
            zone: (timeZone ?? meter.defaultTimeZoneIdentifier).flatMap { ZoneOffsetResolver(identifier: $0) } ?? .systemZone,
            useSystemTime: useSystemTime, fallbackSource: fallback, sourceOverride: sourceId)
    }
}

public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case DEBUG, INFO, WARNING, ERROR

    public init?(word: String) {
        switch word.uppercased() {
        case "WARN": self = .WARNING
        case let upper: self.init(rawValue: upper)
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The `[logging]` section.
public struct LoggingConfiguration: Sendable, Equatable {
    public var defaultLevel: LogLevel = .WARNING
    public var smartmeter: LogLevel = .WARNING
    public var collector: LogLevel = .WARNING
    public var sink: LogLevel = .WARNING
    public var statisticsInterval: Int = 300

    public init() {}
}
