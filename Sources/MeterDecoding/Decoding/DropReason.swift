/// Why bytes, a frame or a message were thrown away. Every drop is counted; none stops the decoder.
public enum DropReason: String, Sendable, CaseIterable, Comparable {
    // Link layer (HDLC, M-Bus)
    case headerChecksum = "bad HDLC header checksum (HCS)"
    case frameChecksum = "bad frame checksum (FCS)"
    case mbusChecksum = "bad M-Bus checksum"
    case badLengthOrFlag = "frame length does not end at a closing flag"
    case truncatedFrame = "truncated frame at end of input"
    // Text telegrams (DSMR P1, IEC 62056-21)
    case telegramChecksum = "bad P1 telegram checksum (CRC16)"
    case blockCheck = "bad IEC 62056-21 block check character (BCC)"
    case telegramTooLong = "telegram longer than the buffer limit"
    case interruptedTelegram = "telegram interrupted by the start of the next one"
    // Reassembly
    case orphanSegment = "segment without its first segment"
    case incompleteMessage = "message interrupted before its last segment or block"
    case repeatedBlock = "repeated block"
    case missingBlock = "missing block"
    case oversizedMessage = "message longer than the reassembly limit"
    case malformedBlock = "malformed general-block-transfer block"
    // APDU and data
    case unsupportedAPDU = "unsupported APDU"
    case malformedAPDU = "malformed APDU"
    case noKey = "encrypted message but no key configured"
    case unsupportedSecurity = "unsupported security control"
    case decryptionFailed = "decryption failed: wrong key?"
    case authenticationFailed = "authentication tag mismatch: wrong key or auth_key?"
    case noValues = "message holds no values"
    case unreadableValue = "value whose group cannot be read"

    public static func < (lhs: DropReason, rhs: DropReason) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One dropped frame or message, with the stream offset (in bytes from the start of the input) where it began.
public struct Drop: Sendable, Equatable, CustomStringConvertible {
    public var reason: DropReason
    public var offset: Int
    public var detail: String?

    public init(_ reason: DropReason, offset: Int, detail: String? = nil) {
        self.reason = reason
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        var text = "\(reason.rawValue) at byte offset \(offset)"
        if let detail { text += " (\(detail))" }
        return text
    }
}

/// A link-layer frame or a drop, in stream order.
public enum LinkEvent<Frame> {
    case frame(Frame)
    case dropped(Drop)
}

extension DropReason {
    /// Where a drop happened, as Home Assistant's diagnostic entities count them.
    public enum Layer: Sendable {
        /// A link frame or text telegram that failed its check or was cut short.
        case frame
        /// A key or security problem: the message could not be decrypted or authenticated.
        case decryption
        /// A complete frame whose message could not be reassembled or read.
        case message
    }

    public var layer: Layer {
        switch self {
        case .headerChecksum, .frameChecksum, .mbusChecksum, .badLengthOrFlag, .truncatedFrame, .telegramChecksum,
             .blockCheck, .telegramTooLong, .interruptedTelegram:
            return .frame
        case .noKey, .unsupportedSecurity, .decryptionFailed, .authenticationFailed:
            return .decryption
        case .orphanSegment, .incompleteMessage, .repeatedBlock, .missingBlock, .oversizedMessage, .malformedBlock,
             .unsupportedAPDU, .malformedAPDU, .noValues, .unreadableValue:
            return .message
        }
    }
}
