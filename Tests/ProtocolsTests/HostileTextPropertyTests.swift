import CMosquitto
import Protocols
import Testing
import TestSupport
import TestThreads

/// Issue #16: arbitrary bytes as meter ids and texts through every escaping rule (MQTT topic level, file name, log
/// and terminal, CSV cell). For each: the output is valid where it goes, bounded, and distinct inputs stay distinct.
/// The topic check is libmosquitto's own (`mosquitto_pub_topic_check2`, `mosquitto_validate_utf8`), the one that
/// refused our topics before.
@Suite("Escaping: arbitrary meter text", .onOwnThread)
struct HostileTextPropertyTests {
    /// Texts a meter could make us hold: raw bytes decoded as UTF-8 (invalid sequences become U+FFFD, as the
    /// decoders do), runs of the characters every rule treats specially, and long runs.
    static func samples(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        let plain: [Unicode.Scalar] = ["/", "+", "#", "%", "~", "'", "\"", ",", "=", "-", "@", "\\", ".", "_", "\u{0}",
                                         "\u{1B}", "\u{7}", "\t", "\r", "\n", "\u{7F}", "\u{85}", "\u{9B}", "\u{202E}",
                                         "\u{2066}", "\u{200F}", "\u{2028}", "\u{FEFF}", "é", "\u{301}", "💡", "a", "Z", "0"]
        let nonCharacters: [UInt32] = [0xFFFE, 0xFFFF, 0xFDD0, 0x1FFFE, 0x10FFFF]
        let special = plain + nonCharacters.map { Unicode.Scalar($0)! }
        // Keyed by bytes: Swift's String equality is canonical equivalence ("é" == "e\u{301}"), bytes are what a
        // broker, a file system and a terminal compare.
        var out: [[UInt8]: String] = [:]
        for text in ["", "%", "%%", "%~", "a%2Fb", "a/b", "%25", "\\x1B", "\u{1B}", "'=1", "=1", "''=1", "é", "e\u{301}"] {
            out[Array(text.utf8)] = text
        }
        while out.count < count {
            let length = [0, 1, 2, 5, 16, 60, 127, 128, 129, 300, 1000][Int.random(in: 0..<11, using: &generator)]
            if Bool.random(using: &generator) {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let text = String(decoding: bytes, as: UTF8.self)
                out[Array(text.utf8)] = text
            } else {
                var text = String.UnicodeScalarView()
                for _ in 0..<length { text.append(special[Int.random(in: 0..<special.count, using: &generator)]) }
                out[Array(String(text).utf8)] = String(text)
            }
        }
        return Array(out.values)
    }

    static let inputs = samples(count: 4000, seed: 16)

    @Test("topic levels: libmosquitto accepts every topic, no separator, wildcard or unsafe character, at most 128 bytes, distinct")
    func topicLevels() {
        var seen: [[UInt8]: String] = [:]
        for input in Self.inputs {
            let level = TopicLevel.escape(input)
            let topic = "smartmeter/" + level + "/ACTIVE_POWER_P"
            #expect(mosquitto_pub_topic_check2(topic, topic.utf8.count) == MOSQ_ERR_SUCCESS.rawValue, "\(Array(input.utf8))")
            #expect(mosquitto_validate_utf8(topic, Int32(topic.utf8.count)) == MOSQ_ERR_SUCCESS.rawValue, "\(Array(input.utf8))")
            #expect(!level.isEmpty && level.utf8.count <= TopicLevel.maximumBytes)
            #expect(!level.unicodeScalars.contains { $0 == "/" || $0 == "+" || $0 == "#" || TextSafety.isUnsafe($0) })
            if let other = seen.updateValue(input, forKey: Array(level.utf8)) {
                Issue.record("\(Array(other.utf8)) and \(Array(input.utf8)) share the level \(level)")
            }
        }
        #expect(TopicLevel.escape("LGZ1030655933512") == "LGZ1030655933512", "a plain id reads as itself")
        #expect(TopicLevel.escape("a/b") == "a%2Fb")
    }

    @Test("file stems: only [A-Za-z0-9._~-], bounded, never . or .., distinct")
    func fileStems() {
        var seen: [[UInt8]: String] = [:]
        for input in Self.inputs {
            let stem = FileNameEscaping.fileStem(forSource: input)
            #expect(!stem.isEmpty && stem.utf8.count <= FileNameEscaping.maximumLength)
            #expect(stem.utf8.allSatisfy { FileNameEscaping.isSafe($0) || $0 == UInt8(ascii: "~") })
            #expect(stem != "." && stem != "..")
            if let other = seen.updateValue(input, forKey: Array(stem.utf8)) {
                Issue.record("\(Array(other.utf8)) and \(Array(input.utf8)) share the file stem \(stem)")
            }
        }
    }

    @Test("log and terminal text: no control, bidi or non-character left, at most 10 characters per input scalar, distinct")
    func terminalText() {
        var seen: [[UInt8]: String] = [:]
        for input in Self.inputs {
            let text = TerminalText.escape(input)
            #expect(!text.unicodeScalars.contains(where: TextSafety.isUnsafe), "\(Array(input.utf8))")
            #expect(text.unicodeScalars.count <= 10 * input.unicodeScalars.count)
            if let other = seen.updateValue(input, forKey: Array(text.utf8)) {
                Issue.record("\(Array(other.utf8)) and \(Array(input.utf8)) are shown alike: \(text)")
            }
        }
    }

    @Test("CSV text cells: no formula start once unquoted, quoted whenever a separator is inside, restored exactly")
    func csvCells() {
        for input in Self.inputs {
            let cell = CSVCell.text(input)
            let content = EscapingTests.unquoted(cell)
            if let first = content.unicodeScalars.first {
                #expect(!CSVCell.formulaStarts.contains(first), "\(Array(input.utf8))")
            }
            if input.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                #expect(cell.unicodeScalars.first == "\"" && cell.unicodeScalars.last == "\"")
            }
            #expect(Array(CSVCell.restoredText(content).utf8) == Array(input.utf8), "\(Array(input.utf8))")
            #expect(content.unicodeScalars.count <= input.unicodeScalars.count + 1)
        }
    }
}
