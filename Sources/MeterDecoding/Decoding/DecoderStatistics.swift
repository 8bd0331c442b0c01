/// Counters of one decoder: what came in, what came out, and what was dropped for which reason.
public struct DecoderStatistics: Sendable, Equatable {
    public var bytes = 0
    /// Link frames with valid checksums.
    public var frames = 0
    /// Bytes outside any frame (noise, a wrong baud rate).
    public var skippedBytes = 0
    /// Complete application messages decoded.
    public var messages = 0
    public var readings = 0
    public var dropped: [DropReason: Int] = [:]

    public init() {}

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    mutating func count(_ drop: Drop) {
        dropped[drop.reason, default: 0] += 1
    }

    /// One line: `frames 4, messages 1, readings 1, skipped bytes 0, dropped 0`.
    public var summary: String {
        var text = "bytes \(bytes), frames \(frames), messages \(messages), readings \(readings), "
            + "skipped bytes \(skippedBytes), dropped \(droppedTotal)"
        if !dropped.isEmpty {
            let reasons = dropped.sorted { $0.key < $1.key }.map { "\($0.key.rawValue): \($0.value)" }
            text += " (" + reasons.joined(separator: "; ") + ")"
        }
        return text
    }
}
