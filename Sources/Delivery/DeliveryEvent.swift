/// What a spooled publisher (MQTT) or inserter (PostgreSQL) reports about its server and its spool, for the sink to
/// log at the level it chooses: each case says what happened, its text says it for people. Each distinct failure is
/// reported once until the next connection; refusals once per reason.
public enum DeliveryEvent: Sendable, Equatable {
    /// A connection was made (and, for PostgreSQL, the tables set up): where, and what was set up.
    case connected(String)
    /// The server cannot be reached, refused the connection or dropped it: retried after the back-off, readings wait
    /// in the spool.
    case unreachable(String)
    /// The server refused a reading or message for good: it is left out (counted), the others go on.
    case refused(String)
    /// A request beside the readings failed (an announcement, a subscription, a publish while the connection drops):
    /// it is tried again after the next connection.
    case requestFailed(String)
    /// The server's side was set up only in part (TimescaleDB not preloaded): delivery goes on without it.
    case setupWarning(String)
    /// The disk spool could not be written, acknowledged or flushed.
    case spoolFailed(String)

    /// The text of any of them.
    public var text: String {
        switch self {
        case .connected(let text), .unreachable(let text), .refused(let text), .requestFailed(let text),
             .setupWarning(let text), .spoolFailed(let text):
            return text
        }
    }

    /// Something went wrong (everything but `connected`).
    public var isFailure: Bool {
        switch self {
        case .connected: return false
        case .unreachable, .refused, .requestFailed, .setupWarning, .spoolFailed: return true
        }
    }
}
