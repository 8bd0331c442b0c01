import Foundation

/// Turns P1 wall-clock times (`YYMMDDhhmmss` with `S`/`W`) into UTC in the reader's zone.
///
/// The zone gives the offset; the `S`/`W` suffix picks the occurrence in the repeated hour at the end of summer
/// time (and overrides a zone whose daylight-saving state disagrees by exactly one hour). A small cache keyed by
/// the quarter hour and suffix makes the common case (a telegram every second, a dozen times in it) a dictionary
/// lookup without Foundation.
struct P1Clock {
    let zone: ZoneOffsetResolver
    private var cache: [Key: Int64] = [:]
    private static let cacheLimit = 256

    private struct Key: Hashable {
        var quarter: Int64
        var season: UInt8
    }

    init(zone: ZoneOffsetResolver) {
        self.zone = zone
    }

    /// UTC seconds of a P1 time.
    mutating func utcSeconds(_ time: P1Field.WallClock) -> Int64 {
        let wall = time.seconds
        let key = Key(quarter: wall >= 0 ? wall / 900 : (wall - 899) / 900, season: time.season)
        if let offset = cache[key] { return wall - offset }
        let offset = Self.offset(wall: wall, season: time.season, zone: zone)
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = offset
        return wall - offset
    }

    private static func offset(wall: Int64, season: UInt8, zone resolver: ZoneOffsetResolver) -> Int64 {
        let offset = wall - resolver.utcSeconds(fromWallClock: wall)
        guard season != 0 else { return offset }
        let zone = resolver.zone
        let summer = season == UInt8(ascii: "S")
        let isDaylight = zone.isDaylightSavingTime(for: Date(timeIntervalSince1970: TimeInterval(wall - offset)))
        guard isDaylight != summer else { return offset }
        // The suffix disagrees: take the other reading of this wall clock if the zone has one (repeated hour).
        let other = summer ? offset + 3_600 : offset - 3_600
        let instant = Date(timeIntervalSince1970: TimeInterval(wall - other))
        if Int64(zone.secondsFromGMT(for: instant)) == other { return other }
        return offset
    }
}
