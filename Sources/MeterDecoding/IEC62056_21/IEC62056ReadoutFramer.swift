/// Cuts IEC 62056-21 data readouts out of a byte stream, with or without the transmission envelope:
///
///     /SIE5TD3511  CR LF                      identification (optional, kept in `identification`)
///     STX  1.8.0(31550.191*kWh) CR LF  ...  ! CR LF  ETX  BCC
///     ^    ^--------------- block ---------------^          BCC = XOR of the bytes after STX up to ETX
///
///     1.8.0(31550.191*kWh) CR LF  ...  ! CR LF                  bare block (logs, the shared captures)
///
/// A bare block starts at a line beginning with a digit or letter; it ends with the `!` line. An enveloped block
/// whose BCC does not match is dropped. The block never grows beyond `maximumLength`: a longer one is dropped, and
/// its bytes up to its `!` line (or the next `/` or STX) are counted as skipped, not read as a block of their own.
struct IEC62056ReadoutFramer {
    enum Event {
        /// A complete data block in `block` (from its first data line through `!`).
        case block(offset: Int)
        case dropped(Drop)
    }

    static let defaultMaximumLength = 8 * 1024
    static let stx: UInt8 = 0x02, etx: UInt8 = 0x03

    private enum State {
        case searching
        case identification
        case block(enveloped: Bool)
        /// After `!`: waiting for the line end (bare) or ETX (enveloped).
        case closing(enveloped: Bool)
        /// Enveloped block after ETX: the next byte is the BCC.
        case blockCheck
        /// The rest of a block longer than `maximumLength`: skipped up to its `!` line, or to the next `/` or STX.
        case discarding
    }

    let maximumLength: Int
    private var state = State.searching
    private(set) var block: [UInt8] = []
    private(set) var identification: [UInt8] = []
    private var blockOffset = 0
    private var bcc: UInt8 = 0
    private var previous: UInt8 = UInt8(ascii: "\n")
    private(set) var skippedBytes = 0

    init(maximumLength: Int = Self.defaultMaximumLength) {
        self.maximumLength = maximumLength
    }

    /// Consumes `input[position...]` up to the byte that completes the next event; `streamOffset` is the stream
    /// offset of `input[0]`.
    mutating func next(in input: UnsafeRawBufferPointer, at position: inout Int, streamOffset: Int) -> Event? {
        while position < input.count {
            let byte = input[position]
            position += 1
            defer { previous = byte }
            switch state {
            case .searching:
                if byte == UInt8(ascii: "/") {
                    identification.removeAll(keepingCapacity: true)
                    state = .identification
                } else if byte == Self.stx {
                    begin(at: streamOffset + position - 1, enveloped: true)
                } else if previous == UInt8(ascii: "\n"), Self.startsDataLine(byte) {
                    begin(at: streamOffset + position - 1, enveloped: false)
                    block.append(byte)
                } else {
                    skippedBytes += 1
                }
            case .identification:
                if byte == UInt8(ascii: "\n") || identification.count > 64 {
                    state = .searching
                } else if byte != UInt8(ascii: "\r") {
                    identification.append(byte)
                }
            case .block(let enveloped):
                if enveloped { bcc ^= byte }
                block.append(byte)
                if byte == UInt8(ascii: "!") && (previous == UInt8(ascii: "\n") || block.count == 1) {
                    state = .closing(enveloped: enveloped)
                } else if block.count > maximumLength {
                    let drop = Drop(.telegramTooLong, offset: blockOffset, detail: "more than \(maximumLength) bytes")
                    skippedBytes += block.count + (enveloped ? 1 : 0)
                    state = .discarding
                    block.removeAll(keepingCapacity: true)
                    return .dropped(drop)
                }
            case .discarding:
                if byte == UInt8(ascii: "/") || byte == Self.stx {
                    position -= 1   // the start of the next readout
                    state = .searching
                } else {
                    skippedBytes += 1
                    if byte == UInt8(ascii: "!") && previous == UInt8(ascii: "\n") { state = .searching }
                }
            case .closing(let enveloped):
                if enveloped {
                    bcc ^= byte
                    if byte == Self.etx { state = .blockCheck }
                } else if byte == UInt8(ascii: "\n") {
                    state = .searching
                    return .block(offset: blockOffset)
                } else if byte != UInt8(ascii: "\r") {
                    position -= 1   // look at it again as the start of what follows
                    state = .searching
                    return .block(offset: blockOffset)
                }
            case .blockCheck:
                state = .searching
                guard byte == bcc else {
                    let detail = "BCC 0x\(Hex.string([byte])), computed 0x\(Hex.string([bcc]))"
                    return .dropped(Drop(.blockCheck, offset: blockOffset, detail: detail))
                }
                return .block(offset: blockOffset)
            }
        }
        return nil
    }

    /// End of input: a bare block that reached `!` is complete; anything else open is reported as truncated.
    mutating func finish() -> Event? {
        defer { state = .searching }
        switch state {
        case .searching, .identification, .discarding:
            return nil
        case .closing(enveloped: false):
            return .block(offset: blockOffset)
        case .block, .closing(enveloped: true), .blockCheck:
            return .dropped(Drop(.truncatedFrame, offset: blockOffset, detail: "IEC 62056-21 data block cut short"))
        }
    }

    private mutating func begin(at offset: Int, enveloped: Bool) {
        block.removeAll(keepingCapacity: true)
        blockOffset = offset
        bcc = 0
        state = .block(enveloped: enveloped)
    }

    private static func startsDataLine(_ byte: UInt8) -> Bool {
        (byte &- UInt8(ascii: "0")) < 10 || (byte | 0x20) &- UInt8(ascii: "a") < 26
    }
}
