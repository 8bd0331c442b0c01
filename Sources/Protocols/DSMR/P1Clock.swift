/// Turns P1 wall-clock times (`YYMMDDhhmmss` with `S`/`W`) into UTC in the reader's zone.
///
/// The zone gives the offset; the `S`/`W` suffix picks the occurrence in the repeated hour at the end of summer
/// time (and overrides a zone whose daylight-saving state disagrees by exactly one hour). A small cache keyed by
/// the quarter hour and suffix makes the common case (a telegram every second, a dozen times in it: clock, maximum
/// demand, history, M-Bus readings) a short linear scan without Foundation or hashing.
struct P1Clock {
    let zone: ZoneOffsetResolver
    private struct Entry {
        var key: Int64   // quarter hour << 8 | season
        var offset: Int64
    }
    private var cache: [Entry] = []
    private var nextSlot = 0
    private static let cacheSize = 32

    init(zone: ZoneOffsetResolver) {
        self.zone = zone
        cache.reserveCapacity(Self.cacheSize)
    }

    /// UTC seconds of a P1 time.
    mutating func utcSeconds(_ time: P1Field.WallClock) -> Int64 {
        let wall = time.seconds
        let quarter = wall >= 0 ? wall / 900 : (wall - 899) / 900
        let key = quarter << 8 | Int64(time.season)
        for entry in cache where entry.key == key { return wall - entry.offset }
        let offset = Self.offset(wall: wall, season: time.season, zone: zone)
        if cache.count < Self.cacheSize {
            cache.append(Entry(key: key, offset: offset))
        } else {
            cache[nextSlot] = Entry(key: key, offset: offset)
            nextSlot = (nextSlot + 1) % Self.cacheSize
        }
        return wall - offset
    }

    private static func offset(wall: Int64, season: UInt8, zone resolver: ZoneOffsetResolver) -> Int64 {
        let offset = wall - resolver.utcSeconds(fromWallClock: wall)
        guard season != 0 else { return offset }
        let zone = resolver.zone
        let summer = season == UInt8(ascii: "S")
        let isDaylight = zone.isDaylightSavingTime(atUTC: wall - offset)
        guard isDaylight != summer else { return offset }
        // The suffix disagrees: take the other reading of this wall clock if the zone has one (repeated hour).
        let other = summer ? offset + 3_600 : offset - 3_600
        if zone.secondsFromUTC(atUTC: wall - other) == other { return other }
        return offset
    }
}
