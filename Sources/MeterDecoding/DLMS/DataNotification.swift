/// A DLMS data-notification APDU (tag 0x0F), the message push meters send:
///
///     0F | long-invoke-id-and-priority (4) | date-time (00 = absent, or 0C + 12 bytes) | notification body (Data)
public struct DataNotification: Sendable, Equatable {
    public static let tag: UInt8 = 0x0F

    public var longInvokeID: UInt32
    public var dateTime: CosemDateTime?
    public var body: DLMSValue

    public init(longInvokeID: UInt32, dateTime: CosemDateTime?, body: DLMSValue) {
        self.longInvokeID = longInvokeID
        self.dateTime = dateTime
        self.body = body
    }

    /// Decodes a complete APDU; trailing bytes are an error.
    public init(decoding apdu: ArraySlice<UInt8>) throws(AXDRDecoder.DecodingError) {
        var reader = AXDRDecoder(apdu)
        let tag = try reader.readByte()
        guard tag == Self.tag else {
            throw AXDRDecoder.DecodingError(code: .unknownTag, offset: 0, detail: "not a data-notification: 0x\(Hex.string([tag]))")
        }
        longInvokeID = UInt32(try reader.readUnsigned(width: 4))
        var dateTimeLength = Int(try reader.readByte())
        if dateTimeLength == Int(DLMSValue.Tag.octetString.rawValue) {
            // Some Kaifa firmware tags the header date-time as an octet-string: 09 0C ...
            dateTimeLength = Int(try reader.readByte())
        }
        switch dateTimeLength {
        case 0: dateTime = nil
        case 12: dateTime = CosemDateTime(bytes: try reader.readBytes(12))
        default:
            throw AXDRDecoder.DecodingError(code: .badLength, offset: 5, detail: "date-time of \(dateTimeLength) bytes")
        }
        body = try reader.decodeValue()
        guard reader.isAtEnd else {
            throw AXDRDecoder.DecodingError(code: .badLength, offset: apdu.count - reader.remaining,
                                            detail: "\(reader.remaining) bytes after the notification body")
        }
    }
}
