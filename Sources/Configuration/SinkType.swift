import Protocols

/// The `type` words of `[sinkN]` sections. Each has its keys (`schema`) and its settings (`SinkSettings`); the
/// switches over both are exhaustive, so a new type is a case the compiler walks you through.
public enum SinkType: String, Sendable, CaseIterable {
    case logger, csv, jsonl, mqtt, mqttrldsp, mqttjson, postgresql, timescaledb

    public var schema: SinkSchema {
        switch self {
        case .logger: return .logger
        case .csv: return .csv
        case .jsonl: return .jsonl
        case .mqtt: return .mqtt
        case .mqttrldsp: return .mqttrldsp
        case .mqttjson: return .mqttjson
        case .postgresql: return .postgresql
        case .timescaledb: return .timescaledb
        }
    }
}
