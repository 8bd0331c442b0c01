/// How far the replay or decoding of a capture has come, as one line: bytes read (and of how many), readings per
/// second, and the time left when the size is known. `42% (5.1 of 12.0 MB), 20 000 messages, 31 500 readings/s,
/// about 8 s left`. The caller measures the time (one monotonic clock).
public struct ReplayProgress: Sendable {
    public let totalBytes: Int?

    public init(totalBytes: Int?) {
        self.totalBytes = totalBytes
    }

    public func line(bytesRead: Int, readings: Int, elapsedSeconds: Double) -> String {
        let rate = elapsedSeconds > 0 ? Double(readings) / elapsedSeconds : 0
        var text: String
        if let totalBytes, totalBytes > 0 {
            let fraction = min(1, Double(bytesRead) / Double(totalBytes))
            text = "\(Int(fraction * 100))% (\(Self.megabytes(bytesRead)) of \(Self.megabytes(totalBytes)) MB)"
            text += ", \(readings) readings, \(Int(rate)) readings/s"
            if fraction > 0 && fraction < 1 {
                let left = elapsedSeconds * (1 - fraction) / fraction
                text += ", about \(Self.duration(left)) left"
            }
        } else {
            text = "\(Self.megabytes(bytesRead)) MB, \(readings) readings, \(Int(rate)) readings/s"
        }
        return text
    }

    /// One decimal: `12.3`.
    static func megabytes(_ bytes: Int) -> String {
        let tenths = (bytes * 10 + 500_000) / 1_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 120 { return "\(whole) s" }
        if whole < 7_200 { return "\(whole / 60) min" }
        return "\(whole / 3_600) h \(whole % 3_600 / 60) min"
    }
}
