import Foundation
import TestSupport
import Testing
import TestThreads

/// `smartmeter-config decode` end to end: the built binary, real captures in, JSON lines and exit codes out.
@Suite("smartmeter-config decode", .onOwnThread)
struct DecodeCommandTests {
    static func capture(_ path: String) -> String { Configurator.testdata.appendingPathComponent(path).path }

    @Test("E450 capture prints the exact JSON line and a summary")
    func e450() throws {
        let result = try Configurator.run(["decode", "--type", "lge450", "--timezone", "Europe/Zurich",
                                   Self.capture("hdlc/lge450-gbt-2-messages.hex")])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.hasPrefix(#"{"source":"LGZ1030655933512","timestamp":"2021-07-06T12:58:18Z","values":["#))
        #expect(line.contains(#"{"obis":"1-0:1.7.0*255","type":"ACTIVE_POWER_P","value":28,"unit":"W"}"#))
        #expect(line.contains(#"{"obis":"1-0:13.7.0*255","type":"POWER_FACTOR","value":0.941,"unit":null}"#))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect((object?["values"] as? [Any])?.count == 12)
        #expect(result.stderr.contains("frames 6, messages 1, readings 1"))
        #expect(result.stderr.contains("message interrupted before its last segment or block: 1"))
    }

    @Test("hex on standard input, pasted with odd spacing and line breaks")
    func standardInput() throws {
        let text = try String(contentsOfFile: Self.capture("hdlc/kamstrup-omnipower-list1-3ph.hex"), encoding: .utf8)
        let mangled = text.replacingOccurrences(of: " ", with: "").enumerated()
            .map { $0.offset % 37 == 36 ? "\($0.element)\n  " : String($0.element) }.joined()
        let result = try Configurator.run(["decode", "--type", "kamstrup_han", "--timezone", "Europe/Oslo", "-"],
                                  stdin: mangled)
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""source":"5706567326590407""#))
        #expect(result.stdout.contains(#"{"obis":"1-1:31.7.0*255","type":"CURRENT_L1","value":2.37,"unit":"A"}"#))
    }

    @Test("raw binary capture decodes like its hex form")
    func rawBinary() throws {
        let text = try String(contentsOfFile: Self.capture("mbus/netznoe-kaifa-encrypted.hex"), encoding: .utf8)
        let bytes = text.split(whereSeparator: { $0 == " " || $0.isNewline }).map { UInt8($0, radix: 16)! }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netznoe-\(getpid()).bin")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let key = "36C66639E48A8CA4D6BC8B282A793BBB"
        let raw = try Configurator.run(["decode", "--type", "netznoe", "--key", key, file.path])
        let hex = try Configurator.run(["decode", "--type", "netznoe", "--key", key, Self.capture("mbus/netznoe-kaifa-encrypted.hex")])
        #expect(raw.status == 0)
        #expect(raw.stdout == hex.stdout)
        #expect(raw.stdout.contains(#""source":"181220000009","timestamp":"2021-09-27T07:47:15Z""#))
        #expect(raw.stdout.contains(#"{"obis":"1-0:32.7.0*255","type":"VOLTAGE_L1","value":233.7,"unit":"V"}"#))
    }

    @Test("a wrong key says so on stderr and prints no reading, exit 0")
    func wrongKey() throws {
        let result = try Configurator.run(["decode", "--type", "lge450", "--key", "00000000000000000000000000000000",
                                   Self.capture("hdlc/lge450-encrypted-gbt.hex")])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("decryption failed: wrong key?"))
    }

    @Test("invalid capture: exit 0, no reading, the drop reasons in the summary")
    func invalidCapture() throws {
        let result = try Configurator.run(["decode", "--type", "lge570", Self.capture("hdlc/invalid-fcs-lge570-gbt.hex")])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bad frame checksum (FCS): 1"))
        #expect(result.stderr.contains("readings 0"))
    }

    @Test("bad arguments and unreadable files exit with status 2", arguments: [
        ["decode", "--type", "nosuchmeter", "x"],
        ["decode", "--type", "lge450", "--key", "1234", "x"],
        ["decode", "--type", "lge450", "--timezone", "Mars/Olympus", "x"],
        ["decode", "--type", "lge450", "/nonexistent/capture.hex"],
    ])
    func badArguments(_ arguments: [String]) throws {
        let result = try Configurator.run(arguments)
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
        #expect(result.stdout.isEmpty)
    }
}
