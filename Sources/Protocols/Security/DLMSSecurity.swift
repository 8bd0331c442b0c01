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
        let control = apdu.securityControl
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
        let checkTag = tag != nil && authenticationKey != nil
        if !apdu.isEncrypted {
            // Authenticated only: the "ciphertext" is the plaintext and is part of the AAD.
            guard let authenticationKey, let tag else { return Array(ciphertext) }
            do {
                _ = try decryptor.decrypt(ciphertext: [], iv: apdu.initializationVector,
                                          aad: [control] + authenticationKey + Array(ciphertext), tag: tag)
            } catch { throw .tagMismatch }
            return Array(ciphertext)
        }
        do {
            return try decryptor.decrypt(
                ciphertext: ciphertext, iv: apdu.initializationVector,
                aad: checkTag ? [control] + authenticationKey! : [],
                tag: checkTag ? tag : nil)
        } catch {
            throw .tagMismatch
        }
    }
}
