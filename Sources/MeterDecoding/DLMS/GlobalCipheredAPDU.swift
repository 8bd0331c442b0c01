/// A general-glo-ciphering (0xDB) or general-ded-ciphering (0xDC) APDU:
///
///     DB | 08 system title (8) | length | security control (1) | invocation counter (4) | ciphertext | tag (12)?
///
/// Security control: 0x10 authenticated, 0x20 encrypted, low nibble the security suite
/// (0 and 1 cipher with AES-GCM-128, 2 with AES-GCM-256).
public struct GlobalCipheredAPDU: Sendable {
    public static let generalGlobalCiphering: UInt8 = 0xDB
    public static let generalDedicatedCiphering: UInt8 = 0xDC
    public static let tagLength = 12

    /// The 8 bytes of the system title, a slice of the decoded APDU.
    public var systemTitleBytes: ArraySlice<UInt8>
    public var systemTitle: [UInt8] {
        get { Array(systemTitleBytes) }
        set { systemTitleBytes = newValue[...] }
    }
    public var securityControl: UInt8
    public var invocationCounter: UInt32
    /// Ciphertext followed by the tag when the security control asks for authentication.
    public var protected: ArraySlice<UInt8>

    public var isAuthenticated: Bool { securityControl & 0x10 != 0 }
    public var isEncrypted: Bool { securityControl & 0x20 != 0 }

    /// IV = system title || invocation counter.
    public var initializationVector: [UInt8] {
        systemTitle + [UInt8(invocationCounter >> 24), UInt8(invocationCounter >> 16 & 0xFF),
                       UInt8(invocationCounter >> 8 & 0xFF), UInt8(invocationCounter & 0xFF)]
    }

    /// Calls `body` with the IV (system title || invocation counter) in a stack buffer.
    func withInitializationVector<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var iv: (UInt64, UInt32) = (0, 0)
        return try withUnsafeMutableBytes(of: &iv) { (buffer) throws(E) -> R in
            buffer.copyBytes(from: systemTitleBytes.prefix(8))
            buffer.storeBytes(of: invocationCounter.bigEndian, toByteOffset: 8, as: UInt32.self)
            return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<12]))
        }
    }

    public init(decoding apdu: ArraySlice<UInt8>) throws(AXDRDecoder.DecodingError) {
        var reader = AXDRDecoder(apdu)
        let tag = try reader.readByte()
        guard tag == Self.generalGlobalCiphering || tag == Self.generalDedicatedCiphering else {
            throw AXDRDecoder.DecodingError(code: .unknownTag, offset: 0, detail: "not a ciphered APDU")
        }
        let titleLength = try reader.readLength()
        guard titleLength == 8 else {
            throw AXDRDecoder.DecodingError(code: .badLength, offset: 1, detail: "system title of \(titleLength) bytes")
        }
        systemTitleBytes = try reader.readBytes(8)
        let length = try reader.readLength()
        guard length >= 5, length == reader.remaining else {
            throw AXDRDecoder.DecodingError(code: .badLength, offset: 10,
                                            detail: "ciphered length \(length), \(reader.remaining) bytes present")
        }
        securityControl = try reader.readByte()
        invocationCounter = UInt32(try reader.readUnsigned(width: 4))
        protected = try reader.readBytes(reader.remaining)
    }
}
