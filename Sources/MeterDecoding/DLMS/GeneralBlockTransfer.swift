/// Reassembles a general-block-transfer (GBT, tag 0xE0) stream, E450/E570 style: blocks numbered from 1 in
/// consecutive frames, the last one flagged. A missing or repeated block drops the whole message.
///
///     E0 | ctrl (0x80 last block, 0x40 streaming, 0x3F window) | block number (2) | acked block (2) | length | data
public struct GeneralBlockTransfer {
    public static let tag: UInt8 = 0xE0
    public static let maximumMessage = 65_536

    private var message: [UInt8] = []
    private var lastBlock: UInt16? = nil
    private var messageOffset = 0

    public init() {}

    public enum Output {
        case apdu(ArraySlice<UInt8>, offset: Int)
        case dropped(Drop)
    }

    /// Feeds one GBT APDU; returns the complete inner APDU after the last block. A message interrupted by a new
    /// block 1 is dropped (reported through `interrupted`).
    public mutating func add(_ apdu: ArraySlice<UInt8>, offset: Int, interrupted: inout Drop?) -> Output? {
        let block: (isLast: Bool, number: UInt16, data: ArraySlice<UInt8>)
        if let parsed = Self.wellFormedBlock(apdu) {
            block = parsed
        } else {
            switch Self.malformedBlock(apdu, offset: offset) {
            case .dropped(let drop): return .dropped(drop)
            case .block(let parsed): block = parsed
            }
        }
        return add(block, offset: offset, interrupted: &interrupted)
    }

    /// The common case read directly: `E0 ctrl number(2) acked(2) length data` with a one- or two-byte length
    /// that ends exactly at the end of the APDU. nil for anything else (then `malformedBlock` explains).
    @inline(__always)
    private static func wellFormedBlock(_ apdu: ArraySlice<UInt8>) -> (isLast: Bool, number: UInt16, data: ArraySlice<UInt8>)? {
        let s = apdu.startIndex
        guard apdu.count >= 7, apdu[s] == tag else { return nil }
        var dataStart = s + 7
        var length = Int(apdu[s + 6])
        if length >= 0x80 {
            guard length == 0x81 || length == 0x82, apdu.count >= 7 + (length & 0x7F) else { return nil }
            let width = length & 0x7F
            length = width == 1 ? Int(apdu[s + 7]) : Int(apdu[s + 7]) << 8 | Int(apdu[s + 8])
            dataStart += width
        }
        guard apdu.endIndex - dataStart == length else { return nil }
        return (apdu[s + 1] & 0x80 != 0, UInt16(apdu[s + 2]) << 8 | UInt16(apdu[s + 3]), apdu[dataStart...])
    }

    private enum Parsed {
        case block((isLast: Bool, number: UInt16, data: ArraySlice<UInt8>))
        case dropped(Drop)
    }

    /// The block read with the A-XDR decoder, for its error messages.
    private static func malformedBlock(_ apdu: ArraySlice<UInt8>, offset: Int) -> Parsed {
        var reader = AXDRDecoder(apdu)
        let block: (isLast: Bool, number: UInt16, data: ArraySlice<UInt8>)
        do {
            guard try reader.readByte() == Self.tag else { return .dropped(Drop(.malformedBlock, offset: offset)) }
            let control = try reader.readByte()
            let number = UInt16(try reader.readUnsigned(width: 2))
            _ = try reader.readUnsigned(width: 2)
            let length = try reader.readLength()
            let data = try reader.readBytes(length)
            guard reader.isAtEnd else {
                return .dropped(Drop(.malformedBlock, offset: offset, detail: "\(reader.remaining) bytes after block data"))
            }
            block = (control & 0x80 != 0, number, data)
        } catch {
            return .dropped(Drop(.malformedBlock, offset: offset, detail: error.description))
        }
        return .block(block)
    }

    private mutating func add(_ block: (isLast: Bool, number: UInt16, data: ArraySlice<UInt8>), offset: Int,
                              interrupted: inout Drop?) -> Output? {
        if block.number == 1 {
            if lastBlock != nil {
                interrupted = Drop(.incompleteMessage, offset: messageOffset, detail: "new block 1 before the last block")
            }
            message.removeAll(keepingCapacity: true)
            messageOffset = offset
            lastBlock = 1
        } else if let previous = lastBlock {
            if block.number == previous {
                reset()
                return .dropped(Drop(.repeatedBlock, offset: offset, detail: "block \(block.number)"))
            }
            guard block.number == previous &+ 1 else {
                reset()
                return .dropped(Drop(.missingBlock, offset: offset, detail: "block \(block.number) after \(previous)"))
            }
            lastBlock = block.number
        } else {
            return .dropped(Drop(.orphanSegment, offset: offset, detail: "block \(block.number) without block 1"))
        }
        guard message.count + block.data.count <= Self.maximumMessage else {
            reset()
            return .dropped(Drop(.oversizedMessage, offset: messageOffset))
        }
        message.append(contentsOf: block.data)
        guard block.isLast else { return nil }
        lastBlock = nil
        return .apdu(message[...], offset: messageOffset)
    }

    public mutating func finish() -> Drop? {
        defer { reset() }
        return lastBlock != nil ? Drop(.incompleteMessage, offset: messageOffset, detail: "last block missing") : nil
    }

    private mutating func reset() {
        lastBlock = nil
        message.removeAll(keepingCapacity: true)
    }
}
