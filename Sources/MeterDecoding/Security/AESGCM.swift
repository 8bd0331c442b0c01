internal import CLibCrypto

/// AES-GCM decryption for DLMS security suites 0 and 1 (AES-128, a 16-byte key) and 2 (AES-256, a 32-byte key),
/// through OpenSSL's libcrypto. One instance owns one cipher context, keyed once, and is reused for every message
/// of a reader: a message only sets its IV.
public final class AESGCMDecryptor {
    public enum Failure: Error, Equatable, Sendable {
        case badKeyLength
        case tagMismatch
        case cryptoLibrary(String)
    }

    private let context: OpaquePointer
    /// 16 (AES-128) or 32 (AES-256).
    public let keyLength: Int

    /// `key` must be 16 bytes (AES-128-GCM) or 32 bytes (AES-256-GCM).
    public init(key: [UInt8]) throws(Failure) {
        guard key.count == 16 || key.count == 32 else { throw .badKeyLength }
        guard let context = EVP_CIPHER_CTX_new() else { throw .cryptoLibrary("EVP_CIPHER_CTX_new failed") }
        self.context = context
        keyLength = key.count
        let cipher = key.count == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm()
        let ok = key.withUnsafeBufferPointer {
            EVP_DecryptInit_ex(context, cipher, nil, $0.baseAddress, nil)
        }
        guard ok == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .cryptoLibrary(Self.lastError())
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// Decrypts `ciphertext` with the 12-byte `iv`. When `tag` is given, `aad` is authenticated and the tag must
    /// match; without a tag the plaintext is returned unauthenticated (GCM's counter mode only).
    public func decrypt(ciphertext: ArraySlice<UInt8>, iv: [UInt8], aad: [UInt8] = [],
                        tag: ArraySlice<UInt8>? = nil) throws(Failure) -> [UInt8] {
        precondition(iv.count == 12, "GCM IV must be 12 bytes")
        var plaintext: [UInt8] = []
        let failure = iv.withUnsafeBytes { ivBytes in
            aad.withUnsafeBytes { aadBytes in
                decrypt(ciphertext: ciphertext, iv: ivBytes, aad: AdditionalData(aadBytes), tag: tag, into: &plaintext)
            }
        }
        if let failure { throw failure }
        return plaintext
    }

    /// Additional authenticated data in up to three parts, fed in order without concatenating them (DLMS: the
    /// security control byte, the authentication key, and the plaintext of an authenticated-only APDU).
    struct AdditionalData {
        var parts: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer)

        init(_ first: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
             _ second: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
             _ third: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) {
            parts = (first, second, third)
        }
    }

    /// Decrypts into `plaintext` (replacing its contents, reusing its storage). `aad` is authenticated only when a
    /// `tag` is given. Returns the failure, nil on success.
    func decrypt(ciphertext: ArraySlice<UInt8>, iv: UnsafeRawBufferPointer, aad: AdditionalData,
                 tag: ArraySlice<UInt8>?, into plaintext: inout [UInt8]) -> Failure? {
        precondition(iv.count == 12, "GCM IV must be 12 bytes")
        guard EVP_DecryptInit_ex(context, nil, nil, nil, iv.bindMemory(to: UInt8.self).baseAddress) == 1 else {
            return .cryptoLibrary(Self.lastError())
        }
        if tag != nil {
            func authenticate(_ part: UnsafeRawBufferPointer) -> Bool {
                guard !part.isEmpty else { return true }
                var ignored: Int32 = 0
                return EVP_DecryptUpdate(context, nil, &ignored, part.bindMemory(to: UInt8.self).baseAddress,
                                         Int32(part.count)) == 1
            }
            guard authenticate(aad.parts.0), authenticate(aad.parts.1), authenticate(aad.parts.2) else {
                return .cryptoLibrary(Self.lastError())
            }
        }
        plaintext.removeAll(keepingCapacity: true)
        let capacity = ciphertext.count + 16
        var failure: Failure? = nil
        plaintext.append(contentsOf: repeatElement(0, count: capacity))
        let produced = plaintext.withUnsafeMutableBufferPointer { out -> Int in
            var produced: Int32 = 0
            if !ciphertext.isEmpty {
                let ok = ciphertext.withUnsafeBufferPointer { input in
                    EVP_DecryptUpdate(context, out.baseAddress, &produced, input.baseAddress, Int32(input.count))
                }
                guard ok == 1 else {
                    failure = .cryptoLibrary(Self.lastError())
                    return 0
                }
            }
            guard let tag else { return Int(produced) }
            // The tag is copied: OpenSSL takes it through a mutable pointer.
            var tagBytes: (UInt64, UInt64) = (0, 0)
            let setOK = withUnsafeMutableBytes(of: &tagBytes) { buffer in
                let count = min(tag.count, buffer.count)
                buffer.copyBytes(from: tag.prefix(count))
                return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(count), buffer.baseAddress)
            }
            guard setOK == 1 else {
                failure = .cryptoLibrary(Self.lastError())
                return 0
            }
            var finalLength: Int32 = 0
            guard EVP_DecryptFinal_ex(context, out.baseAddress! + Int(produced), &finalLength) == 1 else {
                ERR_clear_error()
                failure = .tagMismatch
                return 0
            }
            return Int(produced + finalLength)
        }
        if let failure { return failure }
        plaintext.removeLast(capacity - produced)
        return nil
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown libcrypto error" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
