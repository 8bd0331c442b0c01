import Protocols
import Testing
import TestThreads

@Suite("A-XDR decoder", .onOwnThread)
struct AXDRDecoderTests {
    static func decode(_ bytes: [UInt8]) throws -> DLMSValue {
        var decoder = AXDRDecoder(bytes[...])
        let value = try decoder.decodeValue()
        #expect(decoder.isAtEnd)
        return value
    }

    @Test("every simple type")
    func simpleTypes() throws {
        #expect(try Self.decode([0x00]) == .null)
        #expect(try Self.decode([0x03, 0x01]) == .boolean(true))
        #expect(try Self.decode([0x04, 0x0A, 0xFF, 0xC0]) == .bitString(bitCount: 10, bytes: [0xFF, 0xC0]))
        #expect(try Self.decode([0x05, 0xFF, 0xFF, 0xFF, 0xFE]) == .doubleLong(-2))
        #expect(try Self.decode([0x06, 0x00, 0x07, 0x5E, 0x7B]) == .doubleLongUnsigned(482_939))
        #expect(try Self.decode([0x09, 0x02, 0xAB, 0xCD]) == .octetString([0xAB, 0xCD]))
        #expect(try Self.decode([0x0A, 0x02, 0x41, 0x42]) == .visibleString([0x41, 0x42]))
        #expect(try Self.decode([0x0C, 0x02, 0xC3, 0xA4]) == .utf8String([0xC3, 0xA4]))
        #expect(try Self.decode([0x0D, 0x12]) == .bcd(0x12))
        #expect(try Self.decode([0x0F, 0xFE]) == .integer(-2))
        #expect(try Self.decode([0x10, 0xFF, 0x85]) == .long(-123))
        #expect(try Self.decode([0x11, 0xFE]) == .unsigned(254))
        #expect(try Self.decode([0x12, 0x09, 0x2B]) == .longUnsigned(2347))
        #expect(try Self.decode([0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == .long64(-1))
        #expect(try Self.decode([0x15, 0, 0, 0, 0, 0, 0x0D, 0x27, 0x67]) == .long64Unsigned(862_055))
        #expect(try Self.decode([0x16, 0x1E]) == .enumerated(30))
        #expect(try Self.decode([0x17, 0x40, 0x49, 0x0F, 0xDB]) == .float32(Float(bitPattern: 0x4049_0FDB)))
        #expect(try Self.decode([0x18, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18]) == .float64(Double.pi))
        #expect(try Self.decode([0x1A, 0x07, 0xE5, 0x07, 0x06, 0x02]) == .date([0x07, 0xE5, 0x07, 0x06, 0x02]))
        #expect(try Self.decode([0x1B, 0x0E, 0x3A, 0x12, 0xFF]) == .time([0x0E, 0x3A, 0x12, 0xFF]))
        #expect(try Self.decode([0xFF]) == .dontCare)
        let dateTime: [UInt8] = [0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x15, 0xFF, 0x80, 0x00, 0x81]
        guard case .dateTime(let value) = try Self.decode([0x19] + dateTime) else {
            Issue.record("date-time expected")
            return
        }
        #expect(value.year == 2026 && value.hour == 11 && value.second == 21 && value.deviationMinutes == nil)
    }

    @Test("arrays, structures and every length encoding")
    func containers() throws {
        #expect(try Self.decode([0x02, 0x02, 0x11, 0x01, 0x12, 0x00, 0x02])
                == .structure([.unsigned(1), .longUnsigned(2)]))
        let long = [UInt8](repeating: 0x41, count: 300)
        #expect(try Self.decode([0x09, 0x82, 0x01, 0x2C] + long) == .octetString(long[...]))
        #expect(try Self.decode([0x09, 0x81, 0x80] + long.prefix(128)) == .octetString(long.prefix(128)))
        #expect(try Self.decode([0x01, 0x81, 0x02, 0x00, 0x00]) == .array([.null, .null]))
    }

    @Test("compact-array of structures")
    func compactArray() throws {
        // description: structure { long-unsigned, unsigned }, contents 2 x 3 bytes
        let bytes: [UInt8] = [0x13, 0x02, 0x02, 0x12, 0x11, 0x06, 0x00, 0x01, 0x02, 0x00, 0x03, 0x04]
        #expect(try Self.decode(bytes) == .array([.structure([.longUnsigned(1), .unsigned(2)]),
                                                   .structure([.longUnsigned(3), .unsigned(4)])]))
    }

    @Test("lengths larger than the input, unknown tags, excessive nesting are errors, never crashes")
    func malformed() {
        #expect(throws: AXDRDecoder.DecodingError.self) { try Self.decode([0x09, 0x05, 0x01]) }
        #expect(throws: AXDRDecoder.DecodingError.self) { try Self.decode([0x01, 0x84, 0x7F, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: AXDRDecoder.DecodingError.self) { try Self.decode([0x09, 0x85, 0, 0, 0, 0, 1]) }
        #expect(throws: AXDRDecoder.DecodingError.self) { try Self.decode([0x07]) }
        #expect(throws: AXDRDecoder.DecodingError.self) { try Self.decode([UInt8](repeating: 0x02, count: 40) + [0x01]) }
        #expect(throws: AXDRDecoder.DecodingError.self) { try Self.decode([0x13, 0x00, 0x02, 0x01, 0x00]) }
        var decoder = AXDRDecoder([0x02, 0x01, 0x07][...])
        do {
            _ = try decoder.decodeValue()
            Issue.record("must throw")
        } catch {
            #expect(error.code == .unknownTag)
            #expect(error.offset == 2)
        }
    }

    @Test("every prefix of a real notification body fails, none crashes")
    func prefixesOfRealBody() throws {
        let frames = try TestData.frames("hdlc", "kamstrup-omnipower-list1-3ph")
        // Body starts after 7E, header (7), LLC (3), 0F, invoke id (4), date-time (13).
        let body = Array(frames[0][(1 + 7 + 3 + 1 + 4 + 13)..<(frames[0].count - 3)])
        #expect(try Self.decode(body).elements?.count == 25)
        for length in 0..<body.count {
            var decoder = AXDRDecoder(body[..<length])
            #expect(throws: AXDRDecoder.DecodingError.self) { try decoder.decodeValue() }
        }
    }
}

@Suite("A-XDR regressions found by fuzzing", .onOwnThread)
struct AXDRFuzzRegressionTests {
    @Test("nested compact-array descriptions of empty elements are rejected at once (was an exponential hang)")
    func nestedEmptyCompactArray() {
        // compact-array of array(256) of array(256) of array(256) of null: 16 million empty elements.
        let bytes: [UInt8] = [0x13, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x02, 0x11, 0x11]
        var decoder = AXDRDecoder(bytes[...])
        #expect(throws: AXDRDecoder.DecodingError.self) { try decoder.decodeValue() }
        // A structure hiding the empty array behind a one-byte member is caught too.
        let hidden: [UInt8] = [0x13, 0x02, 0x02, 0x11, 0x01, 0xFF, 0xFF, 0x00, 0x01, 0x07]
        var second = AXDRDecoder(hidden[...])
        #expect(throws: AXDRDecoder.DecodingError.self) { try second.decodeValue() }
    }
}
