import CLibCrypto

/// Encrypts an APDU into a DLMS general-glo-ciphering APDU (tag 0xDB) with AES-128-GCM, security suite 0, security
/// control 0x30 (authenticated and encrypted, 12-byte tag): `DB 08 <system title> <length> 30 <frame counter>
/// <ciphertext> <tag>`, IV = system title + frame counter, AAD = security control + authentication key.
/// The E570 capture (`testdata/hdlc/lge570-encrypted-gbt.hex`) has the same header with control 0x20.
final class GlobalCipheringWriter {
    let key: [UInt8]
    let authenticationKey: [UInt8]
    let systemTitle: [UInt8]
    private var frameCounter: UInt32
    private let context: OpaquePointer

    init(key: [UInt8], authenticationKey: [UInt8], systemTitle: [UInt8], firstFrameCounter: UInt32) {
        precondition(key.count == 16 && authenticationKey.count == 16 && systemTitle.count == 8)
        self.key = key
        self.authenticationKey = authenticationKey
        self.systemTitle = systemTitle
        frameCounter = firstFrameCounter
        context = EVP_CIPHER_CTX_new()!
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    func encrypt(_ plaintext: [UInt8]) -> [UInt8] {
        frameCounter &+= 1
        let control: UInt8 = 0x30
        let counter = [UInt8(frameCounter >> 24), UInt8((frameCounter >> 16) & 0xFF),
                       UInt8((frameCounter >> 8) & 0xFF), UInt8(frameCounter & 0xFF)]
        let iv = systemTitle + counter
        let aad = [control] + authenticationKey
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: 16)
        var produced: Int32 = 0
        var ignored: Int32 = 0
        precondition(EVP_EncryptInit_ex(context, EVP_aes_128_gcm(), nil, key, iv) == 1)
        precondition(EVP_EncryptUpdate(context, nil, &ignored, aad, Int32(aad.count)) == 1)
        precondition(EVP_EncryptUpdate(context, &ciphertext, &produced, plaintext, Int32(plaintext.count)) == 1)
        let finalOK = ciphertext.withUnsafeMutableBufferPointer {
            EVP_EncryptFinal_ex(context, $0.baseAddress! + Int(produced), &ignored)
        }
        precondition(finalOK == 1)
        precondition(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1)
        let content = [control] + counter + ciphertext.prefix(plaintext.count) + tag.prefix(12)
        return [0xDB, 0x08] + systemTitle + AXDRWriter.length(content.count) + content
    }
}
