import Foundation

/// Turns a meter's local wall-clock time into UTC for a time zone (the reader's `timezone` option, default the
/// system's zone). Caches the last offset found so that a meter pushing every second costs one comparison.
public final class ZoneOffsetResolver: @unchecked Sendable {
    public let zone: TimeZone
    private let lock = NSLock()
    /// The quarter hour of wall-clock time the cached offset is valid for.
    private var cachedQuarter: Int64 = .min
    private var cachedOffset: Int64 = 0

    public init(zone: TimeZone) {
        self.zone = zone
    }

    /// A resolver for a zone name like `Europe/Zurich`, or nil when the name is unknown.
    public convenience init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(zone: zone)
    }

    public static var systemZone: ZoneOffsetResolver { ZoneOffsetResolver(zone: TimeZone.current) }

    /// UTC seconds for the given wall-clock seconds. In the hour skipped at the start of summer time the earlier
    /// offset is used; in the repeated hour at its end, the first (summer) occurrence.
    public func utcSeconds(fromWallClock wallClock: Int64) -> Int64 {
        let quarter = wallClock >= 0 ? wallClock / 900 : (wallClock - 899) / 900
        lock.lock()
        defer { lock.unlock() }
        if quarter != cachedQuarter {
            cachedOffset = offset(forWallClock: wallClock)
            cachedQuarter = quarter
        }
        return wallClock - cachedOffset
    }

    private func offset(forWallClock wallClock: Int64) -> Int64 {
        // First guess: the offset at the instant equal to the wall-clock number; then the offset at the result.
        let guess = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wallClock))))
        let refined = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wallClock - guess))))
        if refined == guess { return guess }
        // Near a transition: prefer the larger offset (summer time) when it maps back to the same wall clock.
        let candidates = [max(guess, refined), min(guess, refined)]
        for candidate in candidates {
            let instant = wallClock - candidate
            if Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))) == candidate {
                return candidate
            }
        }
        return refined
    }
}
