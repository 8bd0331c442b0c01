import Foundation
import Configuration
import Protocols
import Testing
import TestThreads

/// DLMS security suites 1 (AES-GCM-128, the Austrian Kaifa MA309M and Warsaw Stoen meters send 0x21) and 2
/// (AES-GCM-256, a 32-byte key); a suite we cannot do is dropped with a detail naming it.
@Suite("DLMS security suites 1 and 2", .onOwnThread)
struct DLMSSecuritySuiteTests {
    static let tinetzKey = Hex.key("101112131415161718191A1B1C1D1E1F")!

    /// The general-glo-ciphering APDU of the TINETZ example, reassembled from its two M-Bus frames.
    static func tinetzAPDU() throws -> [UInt8] {
        try TestData.frames("mbus", "tinetz-kaifa-ma309-suite1").flatMap { frame in frame[9..<(4 + Int(frame[1]))] }
    }

    @Test("TINETZ Kaifa MA309 push with security control 0x21 decrypts to the published plaintext")
    func suiteOnePlaintext() throws {
        let expected = try TestData.expectation("mbus", "tinetz-kaifa-ma309-suite1")
        let cipherInfo = try #require((expected["messages"] as? [[String: Any]])?.first?["ciphering"] as? [String: Any])
        let ciphered = try GlobalCipheredAPDU(decoding: try Self.tinetzAPDU()[...])
        #expect(ciphered.securityControl == 0x21)
        let plaintext = try DLMSSecurity(key: Self.tinetzKey, authenticationKey: nil).unprotect(ciphered)
        #expect(Hex.string(plaintext) == cipherInfo["plaintext_apdu_hex"] as? String)
    }

    @Test("TINETZ 0x21 over M-Bus: a reading with the operator's key, nothing with a wrong one")
    func suiteOneDecoder() throws {
        let bytes = try TestData.bytes("mbus", "tinetz-kaifa-ma309-suite1")
        let good = try DecodeRun(.netznoe, key: Self.tinetzKey, chunks: [bytes])
        try #require(good.readings.count == 1)
        #expect(good.readings[0].source == "KFM1100100000035")
        #expect(good.readings[0].value(obis: ObisCode(1, 0, 1, 8, 0, 255))?.value == .number(9108))
        #expect(good.drops.isEmpty)
        let wrong = try DecodeRun(.netznoe, key: Hex.key("101112131415161718191A1B1C1D1E1E")!, chunks: [bytes])
        #expect(wrong.readings.isEmpty)
        #expect(wrong.drops.map(\.reason) == [.decryptionFailed])
    }

    @Test("suite 2 (0x22) with a 16-byte key: dropped, and the detail names suite 2 and the key it needs")
    func suiteTwoNeedsLongKey() throws {
        var apdu = try Self.tinetzAPDU()
        apdu[13] = 0x22   // derived for this test: the TINETZ APDU relabelled as suite 2
        let security = try DLMSSecurity(key: Self.tinetzKey, authenticationKey: nil)
        #expect(throws: DLMSSecurity.Failure.unsupportedSecurity(0x22)) {
            try security.unprotect(try GlobalCipheredAPDU(decoding: apdu[...]))
        }
        let detail = security.unsupportedDetail(0x22)
        #expect(detail.contains("security suite 2"), "\(detail)")
        #expect(detail.contains("32-byte key"), "\(detail)")
    }

    @Test("a 32-byte key refuses suites 0 and 1, and suites above 2 are refused by name")
    func suiteAndKeyMismatch() throws {
        let longKey = [UInt8](repeating: 0, count: 32)
        let security = try DLMSSecurity(key: longKey, authenticationKey: nil)
        #expect(throws: DLMSSecurity.Failure.unsupportedSecurity(0x21)) {
            try security.unprotect(try GlobalCipheredAPDU(decoding: try Self.tinetzAPDU()[...]))
        }
        #expect(security.unsupportedDetail(0x21).contains("security suite 1 (AES-GCM-128) needs a 16-byte key"))
        #expect(security.unsupportedDetail(0x23).contains("security suite 3 is not defined"))
    }

    /// AES-256-GCM test case 14 of McGrew and Viega's GCM specification (key and IV all zero, one zero block):
    /// ciphertext CEA7403D4D606B6E074EC5D3BAF39D18, tag D0D1C8A799996BF0265B98B5D48AB919.
    @Test("suite 2 decrypts with AES-GCM-256 (the GCM specification's test case 14)")
    func suiteTwoDecrypts() throws {
        let key = [UInt8](repeating: 0, count: 32)
        let ciphertext = try Hex.bytes(fromLenient: "CEA7403D4D606B6E074EC5D3BAF39D18")
        let tag = try Hex.bytes(fromLenient: "D0D1C8A799996BF0265B98B5D48AB919")
        let decryptor = try AESGCMDecryptor(key: key)
        #expect(try decryptor.decrypt(ciphertext: ciphertext[...], iv: [UInt8](repeating: 0, count: 12), tag: tag[...])
                == [UInt8](repeating: 0, count: 16))
        // The same block as a suite 2 encrypted-only APDU: system title and invocation counter zero give that IV.
        let apdu: [UInt8] = [0xDB, 0x08] + [UInt8](repeating: 0, count: 8) + [UInt8(5 + ciphertext.count), 0x22, 0, 0, 0, 0]
            + ciphertext
        let plaintext = try DLMSSecurity(key: key, authenticationKey: nil).unprotect(try GlobalCipheredAPDU(decoding: apdu[...]))
        #expect(plaintext == [UInt8](repeating: 0, count: 16))
    }

    @Test("the key option takes 64 hex digits for DLMS meter types only")
    func keyOption() {
        let long = String(repeating: "0123456789ABCDEF", count: 4)
        func problems(_ type: String) -> [String] {
            let at = ConfigurationLocation.builtIn
            let section = IniDocument.Section(name: "reader0", location: at, entries: [
                .init(key: "type", value: type, location: at), .init(key: "port", value: "/dev/ttyUSB0", location: at),
                .init(key: "key", value: long, location: at)])
            let sink = IniDocument.Section(name: "sink0", location: at, entries: [.init(key: "type", value: "logger", location: at)])
            switch ConfigurationValidator().validate(IniDocument(sections: [section, sink])) {
            case .success(let configuration):
                #expect(configuration.readers.first?.key?.count == 32)
                return []
            case .failure(let errors): return errors.problems.map(\.description)
            }
        }
        #expect(problems("netznoe") == [])
        #expect(problems("lge450") == [])
        #expect(problems("dsmr").count == 1)
        #expect(problems("dsmr").first?.contains("DLMS meter types only") == true)
    }
}
