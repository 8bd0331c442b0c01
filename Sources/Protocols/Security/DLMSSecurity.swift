/// Removes DLMS security suite 0 protection (AES-128-GCM) from a ciphered APDU.
///
/// With only the encryption key the payload is decrypted and the tag is not checked (the authentication key is
/// often not handed out by the operator); with an authentication key the tag must verify
/// (AAD = security control || authentication key).
public struct DLMSSecurity {
    private let decryptor: AESGCMDecryptor?
    private let authenticationKey: [UInt8]?

    public init(key: [UInt8]?, authenticationKey: [UInt8]?) throws(AESGCMDecryptor.Failure) {
        decryptor = try key.map { (k) throws(AESGCMDecryptor.Failure) in try AESGCMDecryptor(key: k) }
        if let authenticationKey, authenticationKey.count != 16 { throw .badKeyLength }
        self.authenticationKey = authenticationKey
    }

    public var hasKey: Bool { decryptor != nil }

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
        // Suite 0 only; compression (0x80) and key-set bits (0x40) are not used by push meters.
        guard control & 0xCF == 0, control & 0x30 != 0 else { throw .unsupportedSecurity(control) }
        guard let decryptor else { throw .noKey }
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
