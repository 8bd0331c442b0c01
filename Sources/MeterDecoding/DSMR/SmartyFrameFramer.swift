/// Cuts the frames of a Luxembourg Smarty P1 port out of a byte stream: each frame is one DLMS
/// general-glo-ciphering APDU sent raw on the line,
///
///     DB | 08 | system title (8) | length (A-XDR: 1, 0x81 + 1 or 0x82 + 2 bytes) | SC | frame counter (4)
///        | ciphertext | GCM tag (12)
///
/// A candidate needs the 0xDB tag, an 8-byte system title, a length within `maximumLength` and a suite-0
/// security control byte (0x10, 0x20 or 0x30); anything else is skipped a byte at a time. The buffer holds at
/// most one frame plus the input handed to `append`.
struct SmartyFrameFramer {
    enum Event {
        case frame(ArraySlice<UInt8>, offset: Int)
        case dropped(Drop)
    }

    static let defaultMaximumLength = 8 * 1024

    let maximumLength: Int
    private var buffer: [UInt8] = []
    /// Where scanning resumes in `buffer`.
    private var start = 0
    /// Stream offset of `buffer[0]`.
    private var bufferOffset = 0
    private(set) var skippedBytes = 0

    init(maximumLength: Int = Self.defaultMaximumLength) {
        self.maximumLength = maximumLength
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 {
            buffer.removeSubrange(..<start)
            bufferOffset += start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    mutating func next() -> Event? {
        while start < buffer.count {
            guard buffer[start] == GlobalCipheredAPDU.generalGlobalCiphering else {
                start += 1
                skippedBytes += 1
                continue
            }
            switch header(at: start) {
            case .needMore:
                return nil
            case .invalid:
                start += 1
                skippedBytes += 1
            case .frame(let length):
                guard buffer.count - start >= length else { return nil }
                let frame = buffer[start..<start + length]
                let offset = bufferOffset + start
                start += length
                return .frame(frame, offset: offset)
            }
        }
        return nil
    }

    /// End of input: a frame whose header was read but whose bytes did not all arrive is reported.
    mutating func finish() -> Drop? {
        defer {
            skippedBytes += buffer.count - start
            start = buffer.count
        }
        guard start < buffer.count, case .frame = header(at: start) else { return nil }
        return Drop(.truncatedFrame, offset: bufferOffset + start, detail: "Smarty frame cut short")
    }

    private enum Header {
        case needMore, invalid
        case frame(length: Int)
    }

    private func header(at index: Int) -> Header {
        let available = buffer.count - index
        guard available >= 11 else { return available >= 2 && buffer[index + 1] != 8 ? .invalid : .needMore }
        guard buffer[index + 1] == 8 else { return .invalid }
        let first = Int(buffer[index + 10])
        let headerLength: Int
        let length: Int
        switch first {
        case 0..<0x80:
            headerLength = 11
            length = first
        case 0x81:
            guard available >= 12 else { return .needMore }
            headerLength = 12
            length = Int(buffer[index + 11])
        case 0x82:
            guard available >= 13 else { return .needMore }
            headerLength = 13
            length = Int(buffer[index + 11]) << 8 | Int(buffer[index + 12])
        default:
            return .invalid
        }
        guard length >= 5 + GlobalCipheredAPDU.tagLength, headerLength + length <= maximumLength else { return .invalid }
        guard available > headerLength else { return .needMore }
        let control = buffer[index + headerLength]
        guard control & 0xCF == 0, control & 0x30 != 0 else { return .invalid }
        return .frame(length: headerLength + length)
    }
}
