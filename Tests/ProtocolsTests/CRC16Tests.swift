import Protocols
import Testing

@Suite("CRC-16")
struct CRC16Tests {
    @Test("check values of CRC-16/X.25 and CRC-16/ARC")
    func checkValues() {
        let input = Array("123456789".utf8)
        #expect(CRC16.x25.checksum(input) == 0x906E)
        #expect(CRC16.arc.checksum(input) == 0xBB3D)
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

@Suite("Hex")
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
