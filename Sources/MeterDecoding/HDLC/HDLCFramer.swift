/// Cuts a byte stream into HDLC frames (IEC 62056-46, frame format type 3), bytes arriving in any chunking.
///
///     7E | A0 84 | CE FF | 03 | 13 | 12 8B | E6 E7 00 E0 ... | B2 51 | 7E
///     flag format  dest   src  ctrl  HCS    information        FCS    flag
///
/// The format field holds the type (0xA), the segmentation bit and an 11-bit length counting every byte between
/// the flags. DLMS HDLC does not byte-stuff, so a frame is delimited by its length, never by searching for 0x7E.
/// Garbage, bad checksums and wrong lengths are dropped and reported; the scan resumes at the next flag so the
/// next good frame is never lost. The buffer holds at most one maximal frame plus one appended chunk.
public struct HDLCFramer: LinkFramer {
    public static let flag: UInt8 = 0x7E
    /// The longest frame: 2047 bytes between the flags, plus the two flags.
    public static let maximumFrameSize = 2047 + 2

    private var buffer: [UInt8] = []
    /// Index in `buffer` of the first byte not consumed yet.
    private var start = 0
    /// Stream offset of `buffer[0]`.
    private var bufferOffset = 0
    /// Bytes skipped outside frames (not counting flags).
    public private(set) var skippedBytes = 0

    public init() {
        buffer.reserveCapacity(8192)
    }

    /// Bytes buffered and not yet consumed.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds bytes to the stream. Call `next()` until it returns nil before appending more to keep the buffer small.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    private mutating func compact() {
        guard start > 0 else { return }
        bufferOffset += start
        buffer.removeFirst(start)
        start = 0
    }

    /// The next frame or drop, or nil when more bytes are needed.
    public mutating func next() -> LinkEvent<HDLCFrame>? {
        while start < buffer.count {
            guard buffer[start] == Self.flag else {
                let end = buffer[start...].firstIndex(of: Self.flag) ?? buffer.count
                skippedBytes += end - start
                start = end
                continue
            }
            switch parse(at: start) {
            case .needMore:
                return nil
            case .notAFrame:
                start += 1
            case .frame(let frame, let closingFlag):
                start = closingFlag          // the closing flag may open the next frame
                return .frame(frame)
            case .drop(let drop, let resume):
                start = resume
                return .dropped(drop)
            }
        }
        return nil
    }

    /// Reports bytes left over at the end of the input (a frame cut short), and forgets them.
    public mutating func finish() -> Drop? {
        defer {
            bufferOffset += buffer.count
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        let leftover = buffer[start...].drop { $0 == Self.flag }
        guard !leftover.isEmpty else { return nil }
        if buffer[start] == Self.flag {
            return Drop(.truncatedFrame, offset: bufferOffset + start, detail: "\(leftover.count) bytes")
        }
        skippedBytes += leftover.count
        return nil
    }

    private enum ParseResult {
        case needMore
        case notAFrame
        case frame(HDLCFrame, closingFlag: Int)
        case drop(Drop, resume: Int)
    }

    private func parse(at flagIndex: Int) -> ParseResult {
        let available = buffer.count - flagIndex
        guard available >= 3 else { return .needMore }
        let format0 = buffer[flagIndex + 1]
        // Another flag right after: an idle or shared flag; the frame (if any) starts at the next one.
        guard format0 & 0xF0 == 0xA0 else { return .notAFrame }
        let length = Int(format0 & 0x07) << 8 | Int(buffer[flagIndex + 2])
        guard length >= 7 else { return .notAFrame }
        let body = flagIndex + 1     // index of the first format byte
        // Addresses: 1 to 4 bytes each, the last byte has its lowest bit set.
        var cursor = body + 2
        var addresses: (UInt32, UInt32) = (0, 0)
        for which in 0..<2 {
            var value: UInt32 = 0
            var count = 0
            while true {
                guard cursor < body + length else { return .notAFrame }
                guard cursor < buffer.count else { return .needMore }
                let byte = buffer[cursor]
                value = value << 7 | UInt32(byte >> 1)
                cursor += 1
                count += 1
                if byte & 1 == 1 { break }
                guard count < 4 else { return .notAFrame }
            }
            if which == 0 { addresses.0 = value } else { addresses.1 = value }
        }
        guard cursor < buffer.count else { return .needMore }
        let control = buffer[cursor]
        cursor += 1
        let headerLength = cursor - body
        let hasInformation = length > headerLength + 2
        if hasInformation {
            guard length >= headerLength + 4 else { return .notAFrame }
            guard buffer.count >= cursor + 2 else { return .needMore }
            let hcs = UInt16(buffer[cursor]) | UInt16(buffer[cursor + 1]) << 8
            let computed = buffer.withUnsafeBytes { raw in
                CRC16.x25.checksum(buffer: UnsafeRawBufferPointer(rebasing: raw[body..<cursor]))
            }
            guard hcs == computed else {
                return .drop(Drop(.headerChecksum, offset: bufferOffset + flagIndex), resume: flagIndex + 1)
            }
        } else if length != headerLength + 2 {
            return .notAFrame
        }
        let closing = body + length
        guard buffer.count > closing else { return .needMore }
        guard buffer[closing] == Self.flag else {
            return .drop(Drop(.badLengthOrFlag, offset: bufferOffset + flagIndex,
                              detail: "length field \(length)"), resume: flagIndex + 1)
        }
        let fcs = UInt16(buffer[closing - 2]) | UInt16(buffer[closing - 1]) << 8
        let computed = buffer.withUnsafeBytes { raw in
            CRC16.x25.checksum(buffer: UnsafeRawBufferPointer(rebasing: raw[body..<(closing - 2)]))
        }
        guard fcs == computed else {
            return .drop(Drop(.frameChecksum, offset: bufferOffset + flagIndex), resume: closing)
        }
        let informationStart = hasInformation ? cursor + 2 : cursor
        let frame = HDLCFrame(
            segmented: format0 & 0x08 != 0,
            destinationAddress: addresses.0,
            sourceAddress: addresses.1,
            control: control,
            information: buffer[informationStart..<(closing - 2)],
            offset: bufferOffset + flagIndex)
        return .frame(frame, closingFlag: closing)
    }
}
