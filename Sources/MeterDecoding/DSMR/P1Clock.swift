/// Turns P1 wall-clock times (`YYMMDDhhmmss` with `S`/`W`) into UTC in the reader's zone.
///
/// The meter's flag wins over the zone's rules:
/// - `W` (winter): the zone's winter offset, the smaller of its offsets around that date (Europe/Amsterdam,
///   Europe/Copenhagen: UTC+1; Europe/Dublin: UTC+0, although its tz rules call Irish summer time the standard
///   and winter a negative daylight saving);
/// - `S` (summer): the winter offset plus one hour;
/// - no flag (DSMR 2.2/3, EasyMeter, some Austrian P1): the zone's rules, the first occurrence in the repeated
///   autumn hour.
/// So a meter that switches a day late (a Danish L+G E360 stamps `230327064230W` the day after the spring change)
/// is taken at its word (05:42:30Z, not 04:42:30Z), and both readings of the repeated autumn hour come out right.
///
/// A small cache keyed by the quarter hour and suffix makes the common case (a telegram every second, a dozen times
/// in it: clock, maximum demand, history, M-Bus readings) a short linear scan without Foundation or hashing.
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

    /// Seconds east of UTC for a wall-clock time with its flag (`S`, `W` or 0).
    static func offset(wall: Int64, season: UInt8, zone resolver: ZoneOffsetResolver) -> Int64 {
        let zoned = wall - resolver.utcSeconds(fromWallClock: wall)
        switch season {
        case UInt8(ascii: "W"): return winterOffset(near: wall - zoned, in: resolver.zone)
        case UInt8(ascii: "S"): return winterOffset(near: wall - zoned, in: resolver.zone) + 3_600
        default: return zoned
        }
    }

    /// The zone's winter offset around an instant: the smallest of its offsets over the year around it, looked up
    /// every two months (summer time lasts at most seven months, so one look lands in winter). Not "the offset whose
    /// isDaylight is false": Europe/Dublin marks its winter as (negative) daylight saving.
    static func winterOffset(near instant: Int64, in zone: TimeZoneRules) -> Int64 {
        let step: Int64 = 61 * 86_400
        var smallest = zone.secondsFromUTC(atUTC: instant)
        for k: Int64 in [-3, -2, -1, 1, 2, 3] {
            smallest = min(smallest, zone.secondsFromUTC(atUTC: instant + k * step))
        }
        return smallest
    }
}
