import Foundation
import TestSupport
import Glibc
import Testing
import TestThreads

/// Keys, passwords and connection strings read from a file or standard input (`--key-file`, `--auth-key-file`,
/// `--password-file`, `--db-file`, `set --value-file`), so they never stand in the command line.
@Suite("smartmeter-config reads secrets from files and standard input", .onOwnThread)
struct SecretInputTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    static let key = "00112233445566778899AABBCCDDEEFF"
    static let base = "[reader0]\ntype = lge450\nport = /dev/null\n[sink0]\ntype = logger\n"

    @Test("add-reader --key-file PATH and --auth-key-file - (standard input) write the keys; the values are not echoed")
    func addReader() throws {
        let config = try scratch.write("c.ini", Self.base)
        let keyFile = try scratch.write("meter.key", Self.key + "\n")
        let result = try Configurator.run(["add-reader", "-c", config, "--type", "lge450", "--port", "/dev/ttyUSB7",
                                           "--key-file", keyFile, "--auth-key-file", "-"],
                                          stdin: "FFEEDDCCBBAA99887766554433221100\r\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scratch.read("c.ini").contains("[reader1]\ntype = lge450\nport = /dev/ttyUSB7\nkey = \(Self.key)\nauth_key = FFEEDDCCBBAA99887766554433221100\n"))
        #expect(!(result.stdout + result.stderr).contains(Self.key))
    }

    @Test("set --value-file SECTION.KEY=PATH and add-sink --password-file -")
    func setAndAddSink() throws {
        let config = try scratch.write("c.ini", Self.base)
        let keyFile = try scratch.write("meter.key", Self.key)
        let set = try Configurator.run(["set", "-c", config, "reader0.port=/dev/ttyUSB1", "--value-file", "reader0.key=\(keyFile)"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(scratch.read("c.ini").contains("port = /dev/ttyUSB1\nkey = \(Self.key)\n"))
        let sink = try Configurator.run(["add-sink", "-c", config, "--type", "mqtt", "host=broker", "username=meter",
                                         "--password-file", "-"], stdin: "S3cret#pass\n")
        #expect(sink.status == 0, "\(sink.stderr)")
        #expect(scratch.read("c.ini").contains("username = meter\npassword = \"S3cret#pass\"\n"))
        #expect(!(sink.stdout + sink.stderr).contains("S3cret"))
    }

    @Test("a secret file that is missing, empty, of two lines, or given beside the value is refused; the file stays", arguments: [
        (["add-reader", "--type", "lge450", "--port", "/dev/null", "--key-file", "MISSING"], "--key-file: cannot read MISSING: No such file or directory"),
        (["add-reader", "--type", "lge450", "--port", "/dev/null", "--key-file", "EMPTY"], "--key-file: EMPTY holds no value on its first line"),
        (["add-reader", "--type", "lge450", "--port", "/dev/null", "--key-file", "TWO"], "--key-file: TWO holds more than one line; a secret is one line"),
        (["add-reader", "--type", "lge450", "--port", "/dev/null", "--key", Self.key, "--key-file", "TWO"], "give --key or --key-file, not both"),
        (["add-sink", "--type", "mqtt", "host=b", "password=x", "--password-file", "TWO"], "give password=... or --password-file, not both"),
        (["set", "--value-file", "reader0.key=-", "--value-file", "reader0.auth_key=-"], "only one of --value-file 1, --value-file 2 can read standard input ('-')"),
        (["set", "--value-file", "reader0.key"], "--value-file takes SECTION.KEY=PATH"),
    ])
    func refused(_ arguments: [String], _ message: String) throws {
        let config = try scratch.write("c.ini", Self.base)
        _ = try scratch.write("EMPTY", "\n")
        _ = try scratch.write("TWO", "Hidden-1\nHidden-2\n")
        let replaced = arguments.map { ["MISSING", "EMPTY", "TWO"].contains($0) ? scratch.file($0) : $0.replacingOccurrences(of: "=TWO", with: "=" + scratch.file("TWO")) }
        let result = try Configurator.run([arguments[0], "-c", config] + replaced.dropFirst())
        #expect(result.status == 2, "\(result.stderr)")
        let expected = message.replacingOccurrences(of: "MISSING", with: scratch.file("MISSING"))
            .replacingOccurrences(of: "EMPTY", with: scratch.file("EMPTY")).replacingOccurrences(of: "TWO", with: scratch.file("TWO"))
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("Hidden-"))
        #expect(scratch.read("c.ini") == Self.base)
    }

    @Test("decode --key-file reads the key (a wrong one is named wrong); the capture and a key cannot both be standard input")
    func decode() throws {
        let wrong = try scratch.write("wrong.key", "00000000000000000000000000000000\n")
        let capture = Configurator.testdata.appendingPathComponent("hdlc/lge450-gbt-2-messages.hex").path
        let plain = try Configurator.run(["decode", "--type", "lge450", "--key-file", wrong, capture])
        #expect(plain.status == 0, "\(plain.stderr)")
        let both = try Configurator.run(["decode", "--type", "lge450", "--key-file", "-"], stdin: Self.key + "\n")
        #expect(both.status != 0)
        #expect(both.stderr.contains("only one of --key-file, the capture can read standard input ('-')"), "\(both.stderr)")
        let bad = try scratch.write("bad.key", "0011\n")
        let short = try Configurator.run(["decode", "--type", "lge450", "--key-file", bad, capture])
        #expect(short.stderr.contains("--key must be 32 hex characters"), "\(short.stderr)")
    }

    @Test("decode's summary counts the bytes of a telegram dropped for its length as skipped")
    func decodeSkippedBytes() throws {
        var text = "/ISK5\\2M550T-1012\r\n\r\n"
        for _ in 0..<800 { text += "1-0:1.8.1(000001.000*kWh)\r\n" }
        let path = try scratch.write("long.txt", text)
        let result = try Configurator.run(["decode", "--type", "dsmr", path])
        #expect(result.status == 0)
        #expect(result.stderr.contains("bytes \(text.utf8.count), frames 0, messages 0, readings 0, skipped bytes \(text.utf8.count), dropped 1 (telegram longer than the buffer limit: 1)"), "\(result.stderr)")
    }

    @Test("backup --db-file reads the connection string: a malformed one is refused without showing it")
    func backupDatabaseFile() throws {
        let dsn = try scratch.write("db", "postgresql://meter:Hidden-PW@[::1/premises\n")
        let result = try Configurator.run(["backup", "--db-file", dsn, "--out", scratch.file("out")])
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty)
        #expect(!result.stderr.contains("Hidden-PW"), "\(result.stderr)")
        let both = try Configurator.run(["backup", "--db", "host=x", "--db-file", dsn, "--out", scratch.file("out")])
        #expect(both.status == 2 && both.stderr.contains("give --db or --db-file, not both"), "\(both.stderr)")
    }
}
