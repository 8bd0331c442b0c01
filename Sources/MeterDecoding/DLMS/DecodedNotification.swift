/// A data-notification decoded for the reading builder without building a value tree: the header fields as in
/// `DataNotification`, the body as an `AXDRTape` (node 0). One instance is reused for every message of a meter.
struct DecodedNotification {
    var longInvokeID: UInt32 = 0
    var dateTime: CosemDateTime? = nil
    var body = AXDRTape()

    init() {}

    /// The notification a caller built or decoded as a tree (its body is encoded and read back).
    init(_ notification: DataNotification) {
        longInvokeID = notification.longInvokeID
        dateTime = notification.dateTime
        var encoded: [UInt8] = []
        notification.body.encodeAXDR(into: &encoded)
        do {
            try body.decode(encoded[...], from: 0)
        } catch {
            // Every value the tree can hold encodes to bytes the tape reads; an empty body would mean no values.
            body = AXDRTape()
        }
    }

    /// Decodes a complete APDU, accepting and rejecting exactly what `DataNotification(decoding:)` does, whose
    /// error is thrown for malformed input.
    mutating func decode(_ apdu: ArraySlice<UInt8>) throws(AXDRDecoder.DecodingError) {
        do {
            let bodyStart = try header(apdu)
            try body.decode(apdu, from: bodyStart)
        } catch {
            // The slow path explains the failure; should it accept what the tape refused, use its tree.
            self = DecodedNotification(try DataNotification(decoding: apdu))
        }
    }

    /// Reads `0F | invoke id (4) | date-time (00, or [09] 0C + 12 bytes)`; returns the offset of the body in `apdu`.
    private mutating func header(_ apdu: ArraySlice<UInt8>) throws(AXDRTape.Malformed) -> Int {
        let s = apdu.startIndex
        guard apdu.count >= 6, apdu[s] == DataNotification.tag else { throw AXDRTape.Malformed() }
        longInvokeID = UInt32(apdu[s + 1]) << 24 | UInt32(apdu[s + 2]) << 16 | UInt32(apdu[s + 3]) << 8
            | UInt32(apdu[s + 4])
        var cursor = s + 5
        var dateTimeLength = Int(apdu[cursor])
        cursor += 1
        if dateTimeLength == Int(DLMSValue.Tag.octetString.rawValue) {
            guard cursor < apdu.endIndex else { throw AXDRTape.Malformed() }
            dateTimeLength = Int(apdu[cursor])
            cursor += 1
        }
        switch dateTimeLength {
        case 0:
            dateTime = nil
        case 12:
            guard apdu.endIndex - cursor >= 12 else { throw AXDRTape.Malformed() }
            dateTime = CosemDateTime(bytes: apdu[cursor..<(cursor + 12)])
            cursor += 12
        default:
            throw AXDRTape.Malformed()
        }
        return cursor - s
    }
}
