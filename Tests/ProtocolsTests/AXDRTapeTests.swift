@testable import MeterDecoding
@testable import Protocols
import TestSupport
import Testing
import TestThreads

/// The flat decoder of the hot path (`AXDRTape`) must accept exactly what the tree decoder (`AXDRDecoder`) accepts
/// and read the same values.
@Suite("A-XDR tape", .onOwnThread)
struct AXDRTapeTests {
    /// The tree decoder's verdict on a whole input: the value, or nil when malformed or followed by extra bytes.
    static func tree(_ bytes: [UInt8]) -> DLMSValue? {
        var decoder = AXDRDecoder(bytes[...])
        guard let value = try? decoder.decodeValue(), decoder.isAtEnd else { return nil }
        return value
    }

    static func tape(_ bytes: [UInt8]) -> DLMSValue? {
        var tape = AXDRTape()
        guard (try? tape.decode(bytes[...], from: 0)) != nil else { return nil }
        return tape.value(0)
    }

    static let vectors: [[UInt8]] = [
        [0x00], [0x03, 0x01], [0x04, 0x0A, 0xFF, 0xC0], [0x05, 0xFF, 0xFF, 0xFF, 0xFE], [0x06, 0x00, 0x07, 0x5E, 0x7B],
        [0x09, 0x02, 0xAB, 0xCD], [0x0A, 0x02, 0x41, 0x42], [0x0C, 0x02, 0xC3, 0xA4], [0x0D, 0x12], [0x0F, 0xFE],
        [0x10, 0xFF, 0x85], [0x11, 0xFE], [0x12, 0x09, 0x2B], [0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x15, 0, 0, 0, 0, 0, 0x0D, 0x27, 0x67], [0x16, 0x1E], [0x17, 0x40, 0x49, 0x0F, 0xDB],
        [0x18, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18], [0x1A, 0x07, 0xE5, 0x07, 0x06, 0x02],
        [0x1B, 0x0E, 0x3A, 0x12, 0xFF], [0xFF],
        [0x19, 0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x15, 0xFF, 0x80, 0x00, 0x81],
        [0x02, 0x02, 0x11, 0x01, 0x12, 0x00, 0x02], [0x01, 0x81, 0x02, 0x00, 0x00],
        [0x09, 0x81, 0x80] + [UInt8](repeating: 0x41, count: 128),
        [0x13, 0x02, 0x02, 0x12, 0x11, 0x06, 0x00, 0x01, 0x02, 0x00, 0x03, 0x04],
        [0x13, 0x01, 0x00, 0x02, 0x12, 0x04, 0x00, 0x01, 0x00, 0x02],
        [0x13, 0x02, 0x03, 0x00, 0x11, 0x12, 0x06, 0x01, 0x00, 0x02, 0x03, 0x00, 0x04],
        // Malformed: lengths beyond the input, unknown tags, nesting, empty compact elements, trailing bytes.
        [0x09, 0x05, 0x01], [0x01, 0x84, 0x7F, 0xFF, 0xFF, 0xFF], [0x09, 0x85, 0, 0, 0, 0, 1], [0x07],
        [UInt8](repeating: 0x02, count: 40) + [0x01], [0x13, 0x00, 0x02, 0x01, 0x00], [0x02, 0x01, 0x07],
        [0x13, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x02, 0x11, 0x11],
        [0x13, 0x02, 0x02, 0x11, 0x01, 0xFF, 0xFF, 0x00, 0x01, 0x07], [0x11, 0x01, 0x00],
    ]

    @Test("same verdict and value as the tree decoder on every vector")
    func vectorsAgree() {
        for vector in Self.vectors {
            #expect(Self.tape(vector) == Self.tree(vector), "\(Hex.string(vector))")
        }
    }

    @Test("same verdict and value on every prefix and on 3000 mutations of a real notification body")
    func mutationsAgree() throws {
        let frames = try TestData.frames("hdlc", "kamstrup-omnipower-list1-3ph")
        // Body starts after 7E, header (7), LLC (3), 0F, invoke id (4), date-time (13).
        let body = Array(frames[0][(1 + 7 + 3 + 1 + 4 + 13)..<(frames[0].count - 3)])
        #expect(Self.tape(body) != nil)
        for length in 0...body.count {
            #expect(Self.tape(Array(body[..<length])) == Self.tree(Array(body[..<length])))
        }
        var random = SeededGenerator(seed: 9)
        for _ in 0..<3000 {
            var mutated = body
            for _ in 0..<(1 + random.next() % 3) {
                let position = Int(random.next() % UInt64(mutated.count))
                mutated[position] = UInt8(truncatingIfNeeded: random.next())
            }
            #expect(Self.tape(mutated) == Self.tree(mutated), "\(Hex.string(mutated))")
        }
    }

    @Test("a value tree encodes to bytes both decoders read back as the same tree")
    func encodingRoundTrip() {
        for vector in Self.vectors {
            guard let value = Self.tree(vector) else { continue }
            var encoded: [UInt8] = []
            value.encodeAXDR(into: &encoded)
            #expect(Self.tree(encoded) == value)
            #expect(Self.tape(encoded) == value)
        }
    }

    @Test("a capture-object list repeated from the previous message is reused, at any offset, and only when equal")
    func repeatedList() throws {
        let definition: (UInt8) -> DLMSValue = { c in
            .structure([.longUnsigned(3), .octetString([1, 0, c, 7, 0, 255]), .integer(2), .longUnsigned(0)])
        }
        let list = DLMSValue.array((1...12).map(definition))
        let otherList = DLMSValue.array((1...12).map { definition($0 + 20) })
        let bodies: [(DLMSValue, prefix: Int)] = [
            (.structure([list, .doubleLongUnsigned(1), .octetString(ArraySlice("LGZ1".utf8))]), 0),
            (.structure([list, .doubleLongUnsigned(2), .octetString(ArraySlice("LGZ12".utf8))]), 0),
            (.structure([list, .structure([.unsigned(3), .unsigned(4)]), .visibleString(ArraySlice("x".utf8))]), 5),
            (.structure([otherList, .doubleLongUnsigned(5)]), 3),
            (.structure([otherList, .doubleLongUnsigned(6), .null]), 0),
            (.array([otherList, .doubleLongUnsigned(7)]), 0),
            (.structure([otherList]), 2),
            (.structure([list, .long64(-8)]), 1),
        ]
        var tape = AXDRTape()
        var reused: [Bool] = []
        for (body, prefix) in bodies {
            var encoded = [UInt8](repeating: 0xEE, count: prefix)
            body.encodeAXDR(into: &encoded)
            try tape.decode(encoded[...], from: prefix)
            #expect(tape.value(0) == body)
            reused.append(tape.reusedList)
            // A list cut short must not be taken from the memory.
            var truncated = [UInt8](repeating: 0xEE, count: prefix)
            body.encodeAXDR(into: &truncated)
            var copy = tape
            #expect(throws: AXDRTape.Malformed.self) { try copy.decode(truncated.dropLast(1), from: prefix) }
        }
        #expect(reused == [false, true, true, false, true, false, false, false])
    }
}

