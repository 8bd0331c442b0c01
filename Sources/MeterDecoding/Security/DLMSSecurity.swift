/// Removes DLMS security suite 0, 1 or 2 protection from a ciphered APDU.
///
/// The low nibble of the security control byte names the suite. Suites 0 and 1 cipher the application data with
/// AES-GCM-128 (suite 1 differs only in key agreement and signatures, which push meters do not use: Kaifa MA309M in
/// Austria and Stoen in Warsaw send 0x21, suite 1 encrypted only); suite 2 with AES-GCM-256. The configured key
/// decides which we can do: 16 bytes for suites 0 and 1, 32 bytes for suite 2. Any other suite, or a key of the
/// other length, is dropped as unsupported with a detail naming the suite.
///
/// With only the encryption key the payload is decrypted and the tag is not checked (the authentication key is
/// often not handed out by the operator); with an authentication key the tag must verify
/// (AAD = security control || authentication key).
public struct DLMSSecurity {
    private let decryptor: AESGCMDecryptor?
    private let authenticationKey: [UInt8]?

    public init(key: [UInt8]?, authenticationKey: [UInt8]?) throws(AESGCMDecryptor.Failure) {
        decryptor = try key.map { (k) throws(AESGCMDecryptor.Failure) in try AESGCMDecryptor(key: k) }
        if let authenticationKey, authenticationKey.count != 16 && authenticationKey.count != 32 { throw .badKeyLength }
        self.authenticationKey = authenticationKey
    }

    public var hasKey: Bool { decryptor != nil }

    /// Bytes of the configured encryption key (16 or 32), nil without one.
    public var keyLength: Int? { decryptor?.keyLength }

    /// The key length a security suite ciphers with: 16 for suites 0 and 1 (AES-GCM-128), 32 for suite 2
    /// (AES-GCM-256); nil for the suites DLMS does not define.
    static func keyLength(suite: UInt8) -> Int? {
        switch suite {
        case 0, 1: return 16
        case 2: return 32
        default: return nil
        }
    }

    /// Why a security control byte is refused, for the drop detail: names the suite and what it would need.
    public func unsupportedDetail(_ control: UInt8) -> String {
        let byte = "0x" + Hex.string([control])
        let suite = control & 0x0F
        if control & 0xC0 != 0 { return "\(byte): compression or key-set bit, not used by push meters" }
        if control & 0x30 == 0 { return "\(byte): neither encrypted nor authenticated" }
        guard let needed = Self.keyLength(suite: suite) else { return "\(byte): security suite \(suite) is not defined" }
        let cipher = needed == 32 ? "AES-GCM-256" : "AES-GCM-128"
        let have = keyLength.map { "the configured key has \($0) bytes" } ?? "no key configured"
        return "\(byte): security suite \(suite) (\(cipher)) needs a \(needed)-byte key (\(2 * needed) hex digits), \(have)"
    }

    public enum Failure: Error, Equatable {
        case noKey, unsupportedSecurity(UInt8), tagMismatch, malformed
    }

    /// The plaintext APDU.
    public func unprotect(_ apdu: GlobalCipheredAPDU) throws(Failure) -> [UInt8] {
        var plaintext: [UInt8] = []
        try unprotect(apdu, into: &plaintext)
        return plaintext
    }

    /// The plaintext APDU into `plaintext` (its storage reused from message to message).
    func unprotect(_ apdu: GlobalCipheredAPDU, into plaintext: inout [UInt8]) throws(Failure) {
        var control = apdu.securityControl
        // Compression (0x80) and key-set bits (0x40) are not used by push meters; suites 0, 1 and 2 only.
        guard control & 0xC0 == 0, control & 0x30 != 0, let needed = Self.keyLength(suite: control & 0x0F) else {
            throw .unsupportedSecurity(control)
        }
        guard let decryptor else { throw .noKey }
        guard decryptor.keyLength == needed, (authenticationKey?.count ?? needed) == needed else {
            throw .unsupportedSecurity(control)
        }
        var ciphertext = apdu.protected
        var tag: ArraySlice<UInt8>? = nil
        if apdu.isAuthenticated {
            guard ciphertext.count >= GlobalCipheredAPDU.tagLength else { throw .malformed }
            tag = ciphertext.suffix(GlobalCipheredAPDU.tagLength)
            ciphertext = ciphertext.dropLast(GlobalCipheredAPDU.tagLength)
        }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        if !apdu.isEncrypted {
            // Authenticated only: the "ciphertext" is the plaintext and is part of the AAD.
            plaintext.removeAll(keepingCapacity: true)
            plaintext.append(contentsOf: ciphertext)
            guard let authenticationKey, let tag else { return }
            var ignored: [UInt8] = []
            let failure = withUnsafeBytes(of: &control) { controlByte in
                authenticationKey.withUnsafeBytes { key in
                    plaintext.withUnsafeBytes { text in
                        apdu.withInitializationVector { iv in
                            decryptor.decrypt(ciphertext: [], iv: iv, aad: .init(controlByte, key, text), tag: tag,
                                              into: &ignored)
                        }
                    }
                }
            }
            if failure != nil { throw .tagMismatch }
            return
        }
        let checkTag = tag != nil && authenticationKey != nil
        let failure = withUnsafeBytes(of: &control) { controlByte in
            (authenticationKey ?? []).withUnsafeBytes { key in
                apdu.withInitializationVector { iv in
                    decryptor.decrypt(ciphertext: ciphertext, iv: iv,
                                      aad: checkTag ? .init(controlByte, key) : .init(empty),
                                      tag: checkTag ? tag : nil, into: &plaintext)
                }
            }
        }
        if failure != nil { throw .tagMismatch }
    }
}
