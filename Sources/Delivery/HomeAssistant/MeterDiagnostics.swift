import Protocols

/// A meter's counters as its diagnostic entities show them, from the statistics of the reader whose readings carry
/// its id: the small retained JSON message on `<topic_prefix>/<meter>/diagnostics`
/// (`{"frames_dropped":1,"messages_dropped":0,"decryption_failures":0}`).
public struct MeterDiagnostics: Sendable, Equatable {
    public var framesDropped = 0
    public var messagesDropped = 0
    public var decryptionFailures = 0

    public init() {}

    public init(_ statistics: DecoderStatistics) {
        for (reason, count) in statistics.dropped {
            switch reason.layer {
            case .frame: framesDropped += count
            case .message: messagesDropped += count
            case .decryption: decryptionFailures += count
            }
        }
    }

    public var json: String {
        #"{"frames_dropped":\#(framesDropped),"messages_dropped":\#(messagesDropped),"decryption_failures":\#(decryptionFailures)}"#
    }

    /// The entities: key in `components` (also the unique id's suffix and the JSON key), name.
    static let entities: [(key: String, name: String)] = [
        ("frames_dropped", "Frames dropped"), ("messages_dropped", "Messages dropped"),
        ("decryption_failures", "Decryption failures"),
    ]
}
