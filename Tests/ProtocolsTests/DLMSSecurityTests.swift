import Foundation
import Protocols
import Testing
import TestThreads

/// AES-128-GCM general-glo-ciphering: decryption with and without tag verification, wrong keys never give values.
@Suite("DLMS security (AES-128-GCM)", .onOwnThread)
struct DLMSSecurityTests {
    static let vectorKey = Hex.key("4D5944554D4D59474C4F42414C4B4559")!   // "MYDUMMYGLOBALKEY"

    @Test("bare general-glo-ciphering vector: tag verifies and the plaintext is the expected data-notification")
    func libraryVector() throws {
        let expected = try TestData.expectation("apdu", "dlms-cosem-general-glo-cipher")
        let cipherInfo = try #require((expected["messages"] as? [[String: Any]])?.first?["ciphering"] as? [String: Any])
        let apdu = try TestData.bytes("apdu", "dlms-cosem-general-glo-cipher")
        let ciphered = try GlobalCipheredAPDU(decoding: apdu[...])
        #expect(Hex.string(ciphered.systemTitle) == cipherInfo["system_title_hex"] as? String)
        #expect(ciphered.securityControl == 0x30)
        #expect(Int(ciphered.invocationCounter) == cipherInfo["frame_counter"] as? Int)

        let verifying = try DLMSSecurity(key: Self.vectorKey, authenticationKey: Self.vectorKey)
        let plaintext = try verifying.unprotect(ciphered)
        #expect(Hex.string(plaintext) == cipherInfo["plaintext_apdu_hex"] as? String)

        let notification = try DataNotification(decoding: plaintext[...])
        #expect(notification.longInvokeID == 0x0000_01DB)
        #expect(notification.dateTime == nil)
        guard case .octetString(let body) = notification.body else {
            Issue.record("body should be an octet-string")
            return
        }
        #expect(body.count == 34)
    }

    @Test("a wrong authentication key fails the tag check")
    func wrongAuthenticationKey() throws {
        let apdu = try TestData.bytes("apdu", "dlms-cosem-general-glo-cipher")
        let ciphered = try GlobalCipheredAPDU(decoding: apdu[...])
        var wrong = Self.vectorKey
        wrong[0] ^= 0x01
        let security = try DLMSSecurity(key: Self.vectorKey, authenticationKey: wrong)
        #expect(throws: DLMSSecurity.Failure.tagMismatch) { try security.unprotect(ciphered) }
    }

    @Test("a flipped ciphertext bit fails the tag check when an auth key is configured")
    func tamperedCiphertext() throws {
        var apdu = try TestData.bytes("apdu", "dlms-cosem-general-glo-cipher")
        apdu[20] ^= 0x04
        let ciphered = try GlobalCipheredAPDU(decoding: apdu[...])
        let security = try DLMSSecurity(key: Self.vectorKey, authenticationKey: Self.vectorKey)
        #expect(throws: DLMSSecurity.Failure.tagMismatch) { try security.unprotect(ciphered) }
    }

    @Test("Luxembourg Smarty frame decrypts to the published P1 telegram, tag verified")
    func smartyFrame() throws {
        let expected = try TestData.expectation("encrypted", "lux-smarty-sagemcom-t210")
        let key = try #require(Hex.key(expected["key"] as! String))
        let authenticationKey = try #require(Hex.key(expected["authentication_key"] as! String))
        let frame = try TestData.bytes("encrypted", "lux-smarty-sagemcom-t210")
        let ciphered = try GlobalCipheredAPDU(decoding: frame[...])
        let plaintext = try DLMSSecurity(key: key, authenticationKey: authenticationKey).unprotect(ciphered)
        let telegram = try Data(contentsOf: TestData.root.appendingPathComponent("dsmr/lux-smarty-decrypted.txt"))
        #expect(plaintext == [UInt8](telegram))
    }

    @Test("encrypted E450 push with a wrong key: no reading, a 'wrong key?' drop")
    func wrongKeyE450() throws {
        let bytes = try TestData.bytes("hdlc", "lge450-encrypted-gbt")
        let wrongKey = Hex.key("00112233445566778899AABBCCDDEEFF")!
        let run = try DecodeRun(.lge450, key: wrongKey, chunks: [bytes])
        #expect(run.readings.isEmpty)
        #expect(run.drops.map(\.reason) == [.decryptionFailed])
        #expect(run.drops.first?.description.contains("decryption failed: wrong key?") == true)
    }

    @Test("encrypted push without a key: no reading, a clear drop naming the missing key")
    func missingKey() throws {
        let bytes = try TestData.bytes("hdlc", "lge570-encrypted-gbt")
        let run = try DecodeRun(.lge570, chunks: [bytes])
        #expect(run.readings.isEmpty)
        #expect(run.drops.map(\.reason) == [.noKey])
    }

    @Test("Netz NOe M-Bus push with a wrong key gives no reading")
    func wrongKeyNetzNoe() throws {
        let bytes = try TestData.bytes("mbus", "netznoe-kaifa-encrypted")
        let run = try DecodeRun(.netznoe, key: Hex.key("36C66639E48A8CA4D6BC8B282A793BBA")!, chunks: [bytes])
        #expect(run.readings.isEmpty)
        #expect(run.drops.map(\.reason) == [.decryptionFailed])
    }

    @Test("security control 0x30 with an auth key that does not match drops the E450 message")
    func authKeyMismatchE450() throws {
        let expected = try TestData.expectation("hdlc", "lge450-encrypted-gbt")
        let key = try #require(Hex.key(expected["key"] as! String))
        let run = try DecodeRun(.lge450, key: key, authenticationKey: Hex.key("000102030405060708090A0B0C0D0E0F")!,
                                chunks: [TestData.bytes("hdlc", "lge450-encrypted-gbt")])
        #expect(run.readings.isEmpty)
        #expect(run.drops.map(\.reason) == [.authenticationFailed])
    }

    @Test("keys must be 16 bytes")
    func keyLength() {
        #expect(throws: AESGCMDecryptor.Failure.badKeyLength) { try DLMSSecurity(key: [1, 2, 3], authenticationKey: nil) }
    }
}
