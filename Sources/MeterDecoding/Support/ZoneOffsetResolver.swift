import Synchronization

/// Turns a meter's local wall-clock time into UTC for a time zone (the reader's `timezone` option, default the
/// system's zone). Caches the last offset found so that a meter pushing every second costs one comparison.
public final class ZoneOffsetResolver: Sendable {
    public let zone: TimeZoneRules
    /// The quarter hour of wall-clock time the cached offset is valid for, and that offset.
    private let cache = Mutex<(quarter: Int64, offset: Int64)>((.min, 0))

    public init(zone: TimeZoneRules) {
        self.zone = zone
    }

    /// A resolver for a zone name like `Europe/Zurich`, or nil when the name is unknown.
    public convenience init?(identifier: String) {
        guard let zone = TimeZoneRules(identifier: identifier) else { return nil }
        self.init(zone: zone)
    }

    public static var systemZone: ZoneOffsetResolver { ZoneOffsetResolver(zone: TimeZoneRules.system()) }

    /// UTC seconds for the given wall-clock seconds. In the hour skipped at the start of summer time the earlier
    /// offset is used; in the repeated hour at its end, the first (summer) occurrence.
    public func utcSeconds(fromWallClock wallClock: Int64) -> Int64 {
        let quarter = wallClock >= 0 ? wallClock / 900 : (wallClock - 899) / 900
        let cached = cache.withLock { cache in
            if quarter != cache.quarter {
                cache = (quarter, offset(forWallClock: wallClock))
            }
            return cache.offset
        }
        return wallClock - cached
    }

    private func offset(forWallClock wallClock: Int64) -> Int64 {
        // First guess: the offset at the instant equal to the wall-clock number; then the offset at the result.
        let guess = zone.secondsFromUTC(atUTC: wallClock)
        let refined = zone.secondsFromUTC(atUTC: wallClock - guess)
        // The offsets in force three hours either side: near a transition a wall-clock time maps to two instants
        // (the repeated hour) or to none (the skipped hour).
        let candidates = [guess, refined,
                          zone.secondsFromUTC(atUTC: wallClock - refined - 10_800),
                          zone.secondsFromUTC(atUTC: wallClock - refined + 10_800)]
        // Of the offsets that map back to this wall clock the largest gives the earliest instant: the first
        // occurrence of a repeated hour.
        if let first = candidates.filter({ zone.secondsFromUTC(atUTC: wallClock - $0) == $0 }).max() {
            return first
        }
        // The skipped hour: the offset in force before the transition.
        return refined
    }
}
