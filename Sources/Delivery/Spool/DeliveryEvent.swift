/// What a spooled publisher (MQTT) or inserter (PostgreSQL) reports about its server, for the sink's log: a
/// connection made, or something that failed (each distinct failure once until the next connection).
public enum DeliveryEvent: Sendable, Equatable {
    case connected(String)
    case failed(String)

    /// The text of either.
    public var text: String {
        switch self {
        case .connected(let text), .failed(let text): return text
        }
    }
}
