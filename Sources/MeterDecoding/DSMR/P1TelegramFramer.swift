import Glibc

/// Cuts P1 telegrams out of a byte stream delivered in any chunking.
///
///     noise  / header CR LF  CR LF  data lines ...  ! [CRC as 1-4 hex digits] CR LF  noise  / ...
///
/// A telegram is complete at the line end after `!` and its CRC, or at once after four CRC digits.
///            ^--------------- buffer (checksummed part) ---------------^
///
/// Bytes before `/` are skipped. The telegram runs to a `!` at the start of a line; up to four hex digits after it
/// are the CRC-16/ARC of `/` .. `!` (DSMR 4 and later; some meters drop a leading zero). A telegram whose CRC does
/// not match is dropped; one without a CRC (DSMR 2.2/3, EasyMeter) is accepted until the stream has shown CRCs.
/// A `/` inside a telegram (where DSMR has none: texts are hex-encoded) means a new telegram starts: the open one,
/// cut short or begun by noise, is dropped. The buffer never grows beyond `maximumLength`; a longer telegram is
/// dropped, its bytes and those up to the next `/` counted as skipped.
///
/// Pull-style: `next(in:at:)` consumes input from the caller's buffer up to the next event; after a `.telegram`
/// event, `telegram` holds its bytes until the next call.
struct P1TelegramFramer {
    enum Event {
        /// A complete telegram in `telegram`, beginning at this stream offset.
        case telegram(offset: Int)
        case dropped(Drop)
    }

    static let defaultMaximumLength = 16 * 1024

    private enum State {
        case searching
        case body
        /// After `!`: hex digits of the checksum read so far.
        case checksum(digits: Int, value: UInt16)
    }

    let maximumLength: Int
    private var state = State.searching
    /// `/` .. `!` of the telegram being read.
    private(set) var telegram: [UInt8] = []
    private var telegramOffset = 0
    private(set) var skippedBytes = 0
    /// Set once a telegram arrived with a valid CRC: from then on a telegram without one is not accepted (a
    /// damaged line start can look like the `!` of a DSMR 2.2 telegram).
    private(set) var checksummed = false

    init(maximumLength: Int = Self.defaultMaximumLength) {
        self.maximumLength = maximumLength
        telegram.reserveCapacity(2048)
    }

    /// Consumes `input[position...]` up to and including the byte that completes the next event; `streamOffset`
    /// is the stream offset of `input[0]`.
    mutating func next(in input: UnsafeRawBufferPointer, at position: inout Int, streamOffset: Int) -> Event? {
        while position < input.count {
            switch state {
            case .searching:
                var index = position
                while index < input.count && input[index] != UInt8(ascii: "/") { index += 1 }
                skippedBytes += index - position
                position = index
                guard index < input.count else { return nil }
                begin(at: streamOffset + index)
                telegram.append(UInt8(ascii: "/"))
                position += 1
            case .body:
                let start = position
                let index = Self.endOfBody(in: input, from: start, after: telegram.last)
                position = index
                if telegram.count + (index - start) > maximumLength {
                    // Its bytes, and the rest up to the next `/`, are skipped and counted as such; the buffer never
                    // holds more than `maximumLength`.
                    let drop = Drop(.telegramTooLong, offset: telegramOffset, detail: "more than \(maximumLength) bytes")
                    skippedBytes += telegram.count + (index - start)
                    reset()
                    return .dropped(drop)
                }
                telegram.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[start..<index]))
                guard index < input.count else { return nil }
                if input[index] == UInt8(ascii: "!") {
                    telegram.append(UInt8(ascii: "!"))
                    position += 1
                    state = .checksum(digits: 0, value: 0)
                } else {
                    // A new telegram starts inside this one: the open one lost its end.
                    let drop = Drop(.interruptedTelegram, offset: telegramOffset)
                    begin(at: streamOffset + index)
                    telegram.append(UInt8(ascii: "/"))
                    position += 1
                    return .dropped(drop)
                }
            case .checksum(let digits, let value):
                if let nibble = Hex.nibbleValue(input[position]) {
                    position += 1
                    let updated = value << 4 | UInt16(nibble)
                    if digits + 1 == 4 { return complete(digits: 4, value: updated) }
                    state = .checksum(digits: digits + 1, value: updated)
                } else if input[position] == UInt8(ascii: "\r") || input[position] == UInt8(ascii: "\n") {
                    return complete(digits: digits, value: value)
                } else {
                    // Not consumed: the byte is looked at again while searching (it may be the next `/`).
                    let drop = Drop(.interruptedTelegram, offset: telegramOffset, detail: "no line end after the checksum")
                    reset()
                    return .dropped(drop)
                }
            }
        }
        return nil
    }

    /// End of input (the end of a file being decoded or replayed, a port closed). A telegram that reached its `!`
    /// is complete even without the line end after it: one without a CRC (DSMR 2.2/3, the last telegram of a
    /// capture saved without its final CR LF) is handed on as it would be at the line end, unless it announces a
    /// version that always has a CRC (`1-3:0.2.8`, DSMR 4 and later; Belgian `0-0:96.1.4`): such a one was cut
    /// before its CRC. 1-3 CRC digits are accepted when they match (a meter that drops leading zeros). A telegram
    /// without its `!`, or whose CRC digits do not match (cut in the middle of them), is reported as truncated.
    mutating func finish() -> Event? {
        switch state {
        case .searching:
            return nil
        case .checksum(let digits, let value)
            where digits == 0 ? !announcesChecksum() : checksumMatches(value):
            return complete(digits: digits, value: value)
        case .body, .checksum:
            let drop = Drop(.truncatedFrame, offset: telegramOffset, detail: "P1 telegram without its end")
            reset()
            return .dropped(drop)
        }
    }

    /// Whether the telegram has a line that only telegrams with a CRC carry: the version `1-3:0.2.8(` (DSMR 4+) or
    /// the Belgian `0-0:96.1.4(`.
    private func announcesChecksum() -> Bool {
        let markers: [[UInt8]] = [Array("\n1-3:0.2.8(".utf8), Array("\n0-0:96.1.4(".utf8)]
        return markers.contains { marker in
            telegram.indices.dropLast(marker.count - 1).contains { start in
                telegram[start] == marker[0] && telegram[start..<start + marker.count].elementsEqual(marker)
            }
        }
    }

    private func checksumMatches(_ value: UInt16) -> Bool {
        telegram.withUnsafeBytes { CRC16.arc.checksum(buffer: $0) } == value
    }

    /// The index of the first `/` or line-start `!` in `input[start...]` (`previous` is the byte before `start`),
    /// or `input.count`. memchr finds each candidate `!` and then looks for a `/` before it: two passes at the C
    /// library's vector speed instead of one byte (or word) at a time in Swift, most of the framer's cost.
    private static func endOfBody(in input: UnsafeRawBufferPointer, from start: Int, after previous: UInt8?) -> Int {
        guard let base = input.baseAddress else { return start }
        var from = start
        while from < input.count {
            let bang = memchr(base + from, Int32(UInt8(ascii: "!")), input.count - from)
                .map { UnsafeRawPointer($0) - base } ?? input.count
            if bang > from, let slash = memchr(base + from, Int32(UInt8(ascii: "/")), bang - from) {
                return UnsafeRawPointer(slash) - base
            }
            guard bang < input.count else { return bang }
            if (bang > start ? input[bang - 1] : previous) == UInt8(ascii: "\n") { return bang }
            from = bang + 1
        }
        return input.count
    }

    private mutating func begin(at offset: Int) {
        telegram.removeAll(keepingCapacity: true)
        telegramOffset = offset
        state = .body
    }

    private mutating func reset() {
        telegram.removeAll(keepingCapacity: true)
        state = .searching
    }

    private mutating func complete(digits: Int, value: UInt16) -> Event {
        state = .searching
        if digits == 0 && checksummed {
            telegram.removeAll(keepingCapacity: true)
            return .dropped(Drop(.telegramChecksum, offset: telegramOffset, detail: "no CRC, but earlier telegrams had one"))
        }
        if digits > 0 {
            let computed = telegram.withUnsafeBytes { CRC16.arc.checksum(buffer: $0) }
            if computed != value {
                let detail = "CRC \(Hex.string([UInt8(value >> 8), UInt8(value & 0xFF)])), computed "
                    + Hex.string([UInt8(computed >> 8), UInt8(computed & 0xFF)])
                let drop = Drop(.telegramChecksum, offset: telegramOffset, detail: detail)
                telegram.removeAll(keepingCapacity: true)
                return .dropped(drop)
            }
        }
        if digits > 0 { checksummed = true }
        return .telegram(offset: telegramOffset)
    }
}
