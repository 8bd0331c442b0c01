import Foundation
@testable import Configuration
@testable import Protocols
import TestSupport
import Testing
import TestThreads

/// The configuration reader follows iniparser's rules (checked against iniparser itself), lower-cases names in ASCII
/// only, and validation says what iniparser would silently do: a value cut by an inline comment, a key that is not
/// the one it looks like, a section number beyond any integer; MQTT names the collector could not use are refused.
@Suite("Reading INI files by iniparser's rules", .onOwnThread)
struct IniReadingTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ini-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    func load(_ text: String, name: String = "test.ini") throws -> (path: String, document: IniDocument) {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return (path, try IniDocument.load(path: path))
    }

    /// The problem lines of `text` by the rules of the collector and `validate`, with the path shortened to test.ini.
    func problems(_ text: String) throws -> [String] {
        let (path, document) = try load(text)
        return ConfigurationRules(location: .file(path)).check(document).errors
            .map { $0.description.replacingOccurrences(of: path, with: "test.ini") }
    }

    static let reader = "[reader0]\ntype = lge450\nport = /dev/null\n"

    @Test("every value, quoted, cut by a comment, continued or empty, reads as iniparser reads it")
    func sameAsIniparser() throws {
        var generator = SeededGenerator(seed: 17)
        let pieces = ["a", "B", "K", "\u{212A}", "é", " ", "\t", "=", "\"", "'", ";", "#", "[", "]", "\\", "x y", "home/#",
                      "/dev/tty", "0", "\r"]
        var compared = 0
        for round in 0..<400 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                var line = ""
                for _ in 0..<Int.random(in: 0...8, using: &generator) { line += pieces.randomElement(using: &generator)! }
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: lines.append("[s\(Int.random(in: 0..<3, using: &generator))]")
                case 1: lines.append("k\(Int.random(in: 0..<4, using: &generator)) = " + line)
                default: lines.append(line)
                }
            }
            let (path, document) = try load("[s0]\n" + lines.joined(separator: "\n") + "\n", name: "round\(round).ini")
            guard document.syntaxProblems.isEmpty, let expected = IniparserReference.values(path: path) else { continue }
            var ours: [String: String] = [:]
            for section in document.sections {
                for entry in section.entries { ours["\(section.name):\(entry.key)"] = entry.value }
            }
            #expect(ours == expected, "\(lines)")
            compared += 1
        }
        #expect(compared > 60)
    }

    @Test("names are lower-cased in ASCII only: a key with a KELVIN SIGN is an unknown key, not 'key'")
    func kelvinSign() throws {
        let (_, document) = try load("[READER0]\nTYPE = lge450\n\u{212A}EY = 00112233445566778899AABBCCDDEEFF\n")
        #expect(document.sections.map(\.name) == ["reader0"])
        #expect(document.sections[0].entries.map(\.key) == ["type", "\u{212A}ey"])
        let lines = try problems(Self.reader + "\u{212A}ey = 00112233445566778899AABBCCDDEEFF\n[sink0]\ntype = logger\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("test.ini:4: [reader0] \u{212A}ey: unknown key; did you mean 'key'?") == true, "\(lines)")
    }

    @Test("a value cut by '#' or ';' right after it is refused with the advice to quote; a secret is not shown")
    func commentCut() throws {
        let lines = try problems(Self.reader + """
            [sink0]
            type = mqtt
            host = broker ; the broker
            topic_prefix = home/#
            username = meter
            password = Secret12#34
            [sink1]
            type = mqtt
            host = broker2
            topic_prefix = "home/#"
            [sink2]
            type = mqtt
            host = broker3
            password = "Secret12#34"
            username = u

            """)
        #expect(lines == [
            "test.ini:7: [sink0] topic_prefix: '#' starts a comment here, so the value is cut to 'home/'; to keep the '#' and what follows, put the value in double quotes: topic_prefix = \"...#...\"",
            "test.ini:9: [sink0] password: '#' starts a comment here, so the value is cut short; to keep the '#' and what follows, put the value in double quotes: password = \"...#...\"",
            "test.ini:13: [sink1] topic_prefix: '#' is an MQTT wildcard, which a topic we publish to may not hold",
        ])
    }

    @Test("MQTT names the collector could not publish under are refused", arguments: [
        ("topic_prefix = a+b", "test.ini:7: [sink0] topic_prefix: '+' is an MQTT wildcard, which a topic we publish to may not hold"),
        ("client_id = meter+1", "test.ini:7: [sink0] client_id: '+' is an MQTT wildcard, which the status topic (<topic_prefix>/<client_id>/status) may not hold"),
        ("client_id = \"meter#1\"", "test.ini:7: [sink0] client_id: '#' is an MQTT wildcard, which the status topic (<topic_prefix>/<client_id>/status) may not hold"),
        ("client_id = a/b", "test.ini:7: [sink0] client_id: '/' would split the client id's level of the status topic (<topic_prefix>/<client_id>/status)"),
        ("topic_prefix = a\u{7F}b", "test.ini:7: [sink0] topic_prefix: holds the control character U+007F, which a topic we publish to may not hold"),
    ])
    func mqttNames(_ line: String, _ expected: String) throws {
        let lines = try problems(Self.reader + "[sink0]\ntype = mqtt\nhost = broker\n" + line + "\n")
        #expect(lines == [expected])
        #expect(try problems(Self.reader + "[sink0]\ntype = mqtt\nhost = broker\ntopic_prefix = home/meters\nclient_id = pi-1\n").isEmpty)
    }

    @Test("a section number beyond any integer is named as such, not answered with its own name")
    func hugeSectionNumber() throws {
        let lines = try problems(Self.reader + "[sink0]\ntype = logger\n[reader99999999999999999999]\ntype = lge450\n")
        #expect(lines == ["test.ini:6: [reader99999999999999999999] section number 99999999999999999999 is too large; use a small number such as [reader1]"])
    }

    @Test("a file that is not a regular file is not read: a FIFO would block")
    func fifoConfiguration() throws {
        let path = directory + "/fifo.ini"
        mkfifo(path, 0o600)
        #expect(throws: IniDocument.LoadError.self) { try IniDocument.load(path: path) }
    }

    @Test("a syntax error on a line that starts like a secret's key does not repeat the line")
    func secretLineNotRepeated() throws {
        let (_, document) = try load("[sink0]\ntype = mqtt\npassword S3cretPW5\nhost broker\n")
        let lines = document.syntaxProblems.map(\.message)
        #expect(lines == ["syntax error: expected 'key = value', '[section]' or a comment: (not shown: it may hold a secret)",
                          "syntax error: expected 'key = value', '[section]' or a comment: host broker"])
    }

    @Test("a dsn libpq cannot read is a configuration error that does not show it", arguments: [
        "postgresql://meter:S3cretPW1@[::1/premises", "postgresql://meter:S3cret%zzPW6@db/premises", "password S3cretPW5",
        "host=db S3cretPW7",
    ])
    func unreadableDSN(_ dsn: String) throws {
        let lines = try problems(Self.reader + "[sink0]\ntype = postgresql\ndsn = \(dsn)\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("test.ini:6: [sink0] dsn: libpq cannot read the dsn"), "\(lines)")
        #expect(!lines.joined().contains("S3cret"))
        #expect(try problems(Self.reader + "[sink0]\ntype = postgresql\ndsn = postgresql://meter:S3cretPW2@db/premises?sslmode=require\n").isEmpty)
    }
}
