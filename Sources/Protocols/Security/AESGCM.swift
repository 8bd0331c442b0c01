internal import CLibCrypto

/// AES-128-GCM decryption for DLMS security suite 0, through OpenSSL's libcrypto. One instance owns one cipher
/// context and is reused for every message of a reader.
public final class AESGCMDecryptor {
    public enum Failure: Error, Equatable, Sendable {
        case badKeyLength
        case tagMismatch
        case cryptoLibrary(String)
    }

    private let context: OpaquePointer
    private let key: [UInt8]

    /// `key` must be 16 bytes.
    public init(key: [UInt8]) throws(Failure) {
        guard key.count == 16 else { throw .badKeyLength }
        guard let context = EVP_CIPHER_CTX_new() else { throw .cryptoLibrary("EVP_CIPHER_CTX_new failed") }
        self.context = context
        self.key = key
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// Decrypts `ciphertext` with the 12-byte `iv`. When `tag` is given, `aad` is authenticated and the tag must
    /// match; without a tag the plaintext is returned unauthenticated (GCM's counter mode only).
    public func decrypt(ciphertext: ArraySlice<UInt8>, iv: [UInt8], aad: [UInt8] = [],
                        tag: ArraySlice<UInt8>? = nil) throws(Failure) -> [UInt8] {
        precondition(iv.count == 12, "GCM IV must be 12 bytes")
        let ok = key.withUnsafeBufferPointer { keyBuffer in
            iv.withUnsafeBufferPointer { ivBuffer in
                EVP_DecryptInit_ex(context, EVP_aes_128_gcm(), nil, keyBuffer.baseAddress, ivBuffer.baseAddress)
            }
        }
        guard ok == 1 else { throw .cryptoLibrary(Self.lastError()) }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var produced: Int32 = 0
        if tag != nil, !aad.isEmpty {
            var ignored: Int32 = 0
            let aadOK = aad.withUnsafeBufferPointer {
                EVP_DecryptUpdate(context, nil, &ignored, $0.baseAddress, Int32($0.count))
            }
            guard aadOK == 1 else { throw .cryptoLibrary(Self.lastError()) }
        }
        if !ciphertext.isEmpty {
            let updateOK = plaintext.withUnsafeMutableBufferPointer { out in
                ciphertext.withUnsafeBufferPointer { input in
                    EVP_DecryptUpdate(context, out.baseAddress, &produced, input.baseAddress, Int32(input.count))
                }
            }
            guard updateOK == 1 else { throw .cryptoLibrary(Self.lastError()) }
        }
        if let tag {
            var tagBytes = Array(tag)
            let setOK = tagBytes.withUnsafeMutableBytes {
                EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32($0.count), $0.baseAddress)
            }
            guard setOK == 1 else { throw .cryptoLibrary(Self.lastError()) }
            var finalLength: Int32 = 0
            let finalOK = plaintext.withUnsafeMutableBufferPointer { out in
                EVP_DecryptFinal_ex(context, out.baseAddress! + Int(produced), &finalLength)
            }
            guard finalOK == 1 else {
                ERR_clear_error()
                throw .tagMismatch
            }
            produced += finalLength
        }
        plaintext.removeLast(plaintext.count - Int(produced))
        return plaintext
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown libcrypto error" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
