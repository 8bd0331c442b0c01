import Foundation
@testable import Protocols
import Testing
import TestThreads

/// Luxembourg Smarty: AES-128-GCM frames around a P1 telegram (testdata/encrypted).
@Suite("DSMR Smarty encrypted P1", .onOwnThread)
struct DSMRSmartyTests {
    static let key = Hex.key("D491470F47126332B07D1923B3504188")!
    static let authenticationKey = Hex.key("00112233445566778899AABBCCDDEEFF")!

    static func frame() throws -> [UInt8] { try TestData.bytes("encrypted", "lux-smarty-sagemcom-t210") }

    @Test("decrypts with key and auth key to the same reading as the plaintext telegram")
    func decrypts() throws {
        let run = try TextDecodeRun(.smarty, key: Self.key, authenticationKey: Self.authenticationKey, chunks: [Self.frame()])
        #expect(run.drops.isEmpty, "\(run.drops)")
        try #require(run.readings.count == 1)
        let plain = try TextDecodeRun(.dsmr, chunks: [DSMRFixtures.telegram("lux-smarty-decrypted")])
        #expect(run.readings == plain.readings)
        let reading = run.readings[0]
        #expect(reading.source == "SAG1030700114004")
        #expect(reading.timestamp == DSMRFixtures.seconds(iso: "2018-01-30T10:21:22+01:00"))
        #expect(reading.value(obis: "1-0:1.8.0") == DataPoint(obis: "1-0:1.8.0", type: .ACTIVE_ENERGY_P,
                                                               value: .number(6695), unit: "Wh"))
        #expect(reading.value(obis: "1-0:2.8.0")?.value == .number(25))
    }

    @Test("without the auth key the tag is not checked, and the telegram CRC still guards the plaintext")
    func keyOnly() throws {
        let run = try TextDecodeRun(.smarty, key: Self.key, chunks: [Self.frame()])
        #expect(run.readings.count == 1)
    }

    @Test("wrong key: authentication fails with auth key, the plaintext is rejected without")
    func wrongKey() throws {
        var wrong = Self.key
        wrong[0] ^= 0xFF
        let authenticated = try TextDecodeRun(.smarty, key: wrong, authenticationKey: Self.authenticationKey,
                                              chunks: [Self.frame()])
        #expect(authenticated.readings.isEmpty)
        #expect(authenticated.drops.map(\.reason) == [.authenticationFailed])
        let unauthenticated = try TextDecodeRun(.smarty, key: wrong, chunks: [Self.frame()])
        #expect(unauthenticated.readings.isEmpty)
        #expect(unauthenticated.drops.count == 1)
        let none = try TextDecodeRun(.smarty, chunks: [Self.frame()])
        #expect(none.drops.map(\.reason) == [.noKey])
    }

    @Test("any chunking, noise between frames, a frame cut short")
    func chunkingAndNoise() throws {
        let frame = try Self.frame()
        let reference = try TextDecodeRun(.smarty, key: Self.key, authenticationKey: Self.authenticationKey, chunks: [frame])
        var generator = SeededGenerator(seed: 11)
        var stream: [UInt8] = []
        for _ in 0..<3 {
            stream += DSMRFixtures.noise(count: Int.random(in: 0...60, using: &generator), using: &generator)
            stream += frame
        }
        stream += Array(frame[..<300])
        for chunks in [Chunking.whole(stream), Chunking.byteByByte(stream), Chunking.random(stream, seed: 5)] {
            let run = try TextDecodeRun(.smarty, key: Self.key, authenticationKey: Self.authenticationKey, chunks: chunks)
            #expect(run.readings == reference.readings + reference.readings + reference.readings)
            #expect(run.drops.last?.reason == .truncatedFrame)
        }
    }

    @Test("a flipped ciphertext byte fails authentication")
    func flippedByte() throws {
        var frame = try Self.frame()
        frame[100] ^= 0x04
        let run = try TextDecodeRun(.smarty, key: Self.key, authenticationKey: Self.authenticationKey, chunks: [frame])
        #expect(run.readings.isEmpty)
        #expect(run.drops.map(\.reason) == [.authenticationFailed])
    }
}
