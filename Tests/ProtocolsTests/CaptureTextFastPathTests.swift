import Protocols
import Testing
import TestSupport
import TestThreads

/// Issue #19: hex text in the usual shape (two digits and a blank) is converted twelve characters at a time. Runs of
/// that shape broken at every position by what the per-character path handles (a lone digit, `0x`, commas, line
/// breaks, lower case, a stray character) must give what `Hex.bytes(fromCapture:)` gives, in any chunking.
@Suite(.onOwnThread) struct CaptureTextFastPathTests {
    static let tokens = ["7E ", "a0 ", "FF\n", "00,", "0x2A ", "C E ", "C\nE", "q", "\r\n", "12", "  ", "5f\t"]

    static func text(seed: UInt64, count: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var text = ""
        for index in 0..<count {
            // Mostly the usual shape, in runs long enough for the four-at-a-time path, then something else.
            for _ in 0..<Int.random(in: 0...9, using: &generator) {
                text += Hex.string([UInt8.random(in: 0...255, using: &generator)]) + " "
            }
            let token = tokens[Int.random(in: 0..<tokens.count, using: &generator)]
            // A stray character only past the first bytes, which decide that the capture is hex text.
            text += token == "q" && index < 600 ? " " : token
        }
        return Array(text.utf8)
    }

    @Test("the four-at-a-time path gives what the per-character path gives", arguments: [1 as UInt64, 2, 3, 4, 5])
    func sameBytes(seed: UInt64) {
        let input = Self.text(seed: seed, count: 2_000)
        let expected = Hex.bytes(fromCapture: input.filter { $0 != UInt8(ascii: "q") })
        let stray = input.filter { $0 == UInt8(ascii: "q") }.count
        for chunk in [1, 5, 12, 13, 64, 4_096, input.count] {
            let converted = CaptureTextTests.convert(input, chunk: chunk)
            #expect(converted.kind == .hex)
            #expect(converted.bytes == expected, "seed \(seed) chunk \(chunk)")
            #expect(converted.skipped == stray, "seed \(seed) chunk \(chunk)")
        }
    }
}
