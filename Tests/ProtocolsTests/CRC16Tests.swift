import Protocols
import TestSupport
import Testing
import TestThreads

@Suite("CRC-16", .onOwnThread)
struct CRC16Tests {
    @Test("check values of CRC-16/X.25 and CRC-16/ARC")
    func checkValues() {
        let input = Array("123456789".utf8)
        #expect(CRC16.x25.checksum(input) == 0x906E)
        #expect(CRC16.arc.checksum(input) == 0xBB3D)
    }

    /// The textbook bit-at-a-time form, as the reference for the sliced tables.
    static func bitwise(_ bytes: [UInt8], polynomial: UInt16, initial: UInt16, finalXor: UInt16) -> UInt16 {
        var crc = initial
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
        }
        return crc ^ finalXor
    }

    @Test("eight bytes per step equals the bit-at-a-time CRC at every length and alignment")
    func slicedEqualsBitwise() {
        var generator = SeededGenerator(seed: 1)
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for length in 0...bytes.count {
            let prefix = Array(bytes[..<length])
            #expect(CRC16.x25.checksum(prefix) == Self.bitwise(prefix, polynomial: 0x8408, initial: 0xFFFF, finalXor: 0xFFFF))
            #expect(CRC16.arc.checksum(prefix) == Self.bitwise(prefix, polynomial: 0xA001, initial: 0, finalXor: 0))
            #expect(CRC16.arc.checksum(bytes[1..<max(length, 1)]) == Self.bitwise(Array(bytes[1..<max(length, 1)]),
                                                                                    polynomial: 0xA001, initial: 0, finalXor: 0))
        }
    }

    @Test("HCS and FCS of a real E450 frame")
    func realFrame() throws {
        let frame = try TestData.frames("hdlc", "lge450-gbt-vse2026")[1]
        // Between the flags: format(2) address(2+1) control(1) HCS(2) ... FCS(2).
        let body = Array(frame[1..<(frame.count - 1)])
        let hcs = UInt16(body[6]) | UInt16(body[7]) << 8
        #expect(CRC16.x25.checksum(body[0..<6]) == hcs)
        let fcs = UInt16(body[body.count - 2]) | UInt16(body[body.count - 1]) << 8
        #expect(CRC16.x25.checksum(body.dropLast(2)) == fcs)
    }
}

@Suite("Hex", .onOwnThread)
struct HexTests {
    @Test("lenient parsing accepts spacing, line breaks, 0x prefixes and split nibbles")
    func lenient() throws {
        #expect(try Hex.bytes(fromLenient: "7E A0\n 0x2A\t4 1") == [0x7E, 0xA0, 0x2A, 0x41])
        #expect(try Hex.bytes(fromLenient: "") == [])
    }

    @Test("bad hex names the offset")
    func errors() {
        #expect { try Hex.bytes(fromLenient: "7E G0") } throws: { ($0 as? Hex.ParseError)?.description == "offset 3: not a hex digit: 'G'" }
        #expect { try Hex.bytes(fromLenient: "7EA") } throws: { ($0 as? Hex.ParseError)?.description == "offset 3: odd number of hex digits" }
    }

    @Test("keys are exactly 32 hex characters")
    func keys() {
        #expect(Hex.key("101112131415161718191A1B1C1D1E1F") == Array(0x10...0x1F).map(UInt8.init))
        #expect(Hex.key("1011") == nil)
        #expect(Hex.key("101112131415161718191A1B1C1D1E1G") == nil)
        #expect(Hex.string([0x00, 0xAB, 0xFF]) == "00ABFF")
    }
}
