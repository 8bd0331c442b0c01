import Foundation
import Configuration
import Protocols
import TestSupport
import Testing
import TestThreads

/// The command line: exit statuses, `--saveconfig`, the built-in default and configuration errors end to end.
@Suite(.onOwnThread) struct CommandLineTests {
    @Test func invalidConfigurationListsEveryProblemAndOpensNothing() throws {
        let directory = try TestFolder()
        let ini = try directory.ini(Ini.reader(0, "lge451", ["port": "/dev/ttyUSB0", "key": "0011"]),
                                    Ini.sink(0, "csv", ["directory": directory.file("csv")]),
                                    Ini.sink(1, "jsonl", ["file": directory.file("out.jsonl"), "fiel": "x"]))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "smartmeter-datacollector: invalid configuration (3 problems)")
        #expect(lines.contains("  \(ini):2: [reader0] type: unknown meter type 'lge451'; did you mean 'lge450'? (one of: "
                               + MeterType.allCases.map(\.rawValue).joined(separator: ", ") + ")"))
        #expect(lines.contains("  \(ini):4: [reader0] key: must be 32 hex characters (16 bytes), got 4 characters"))
        #expect(lines.contains("  \(ini):11: [sink1] fiel: unknown key; did you mean 'file'? (keys of a jsonl sink: type, file, queue_size, queue_max_kb)"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("csv")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.jsonl")))
    }

    @Test func syntaxErrorsExitWithStatus2() throws {
        let directory = try TestFolder()
        let ini = try directory.write("bad.ini", "[reader0\ntype = lge450\n")
        let result = try runCollector(["-c", ini])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(ini):1: syntax error: a section header needs a closing ']': [reader0"))
    }

    @Test func badEnvironmentVariableIsAConfigurationError() throws {
        let directory = try TestFolder()
        let result = try runCollector(["-c", directory.file("none.ini")], environment: ["SMARTMETER__READER0__TYPE": "nope"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("environment SMARTMETER__READER0__TYPE: [reader0] type: unknown meter type 'nope'"))
    }

    @Test func saveconfigWritesAFileThatParsesAndValidates() throws {
        let directory = try TestFolder()
        let path = directory.file("datacollector.ini")
        let first = try runCollector(["--saveconfig", "-c", path])
        #expect(first.status == 0)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == DefaultConfiguration.text)
        let document = try IniDocument.load(path: path)
        #expect(document.syntaxProblems.isEmpty)
        let configuration = try ConfigurationValidator(documentLocation: .file(path)).validate(document).get()
        #expect(configuration.readers.count == 1)
        #expect(configuration.readers[0].meter == .lge450)
        #expect(configuration.sinks.map(\.type) == ["logger", "mqtt"])
        // The commented examples are valid too once uncommented.
        let uncommented = written.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("# [sink") || line.hasPrefix("# type = ") || line.hasPrefix("# directory = ")
                || line.hasPrefix("# file = /var") ? String(line.dropFirst(2)) : String(line)
        }.joined(separator: "\n")
        let examples = try directory.write("examples.ini", uncommented)
        let all = try ConfigurationValidator().validate(IniDocument.load(path: examples)).get()
        #expect(all.sinks.map(\.type) == ["logger", "mqtt", "csv", "jsonl"])

        // No overwrite without --force.
        try "[reader0]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let second = try runCollector(["-s", "-c", path])
        #expect(second.status == 1)
        #expect(second.stderr.contains("\(path) exists; use --force to overwrite it"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "[reader0]\n")
        let forced = try runCollector(["-s", "--force", "-c", path])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == DefaultConfiguration.text)
    }

    @Test func saveconfigGoesToTheDefaultPath() throws {
        let directory = try TestFolder()
        let result = try runCollector(["-s"], directory: directory.path)
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.file("datacollector.ini")))
    }

    @Test func versionAndUsage() throws {
        let version = try runCollector(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "0.1.0\n")
        let force = try runCollector(["--force"])
        #expect(force.status == 64)
        #expect(force.stderr.contains("--force only applies to --saveconfig"))
        let help = try runCollector(["-h"])
        #expect(help.stdout.contains("-c, --config <path>"))
        #expect(help.stdout.contains("-s, --saveconfig"))
        #expect(help.stdout.contains("-d, --dev"))
    }

    /// Without a file the built-in default runs: it warns, starts the MQTT sink towards 127.0.0.1:1883 (spooling in
    /// ./spool while no broker answers), keeps retrying the missing /dev/ttyUSB0, and stops cleanly on SIGTERM.
    @Test func missingFileRunsTheBuiltInDefault() throws {
        let directory = try TestFolder()
        // (The default's web face listens on 127.0.0.1:8180; here on a free port, as other tests may run at once.)
        let webPort = FreePort.find()
        let running = try launchCollector(["-c", directory.file("absent.ini"), "--dev"],
                                         environment: ["SMARTMETER__READER0__PORT": directory.file("ttyUSB0"),
                                                       "SMARTMETER__HTTP__LISTEN": "127.0.0.1:\(webPort)"],
                                         directory: directory.path)
        #expect(eventually(timeout: 10) { running.stderr.contents.contains("retrying until it is back") })
        running.signal(SIGTERM)
        let started = Date()
        #expect(running.waitForExit(timeout: 5) == 0)
        #expect(Date().timeIntervalSince(started) < 2)
        let log = running.stderr.contents
        #expect(log.contains("WARNING collector: no configuration file at \(directory.file("absent.ini")); running the built-in default"))
        #expect(log.contains("mqtt://127.0.0.1:1883"), "the MQTT sink of the default reports its broker")
        #expect(FileManager.default.fileExists(atPath: directory.file("spool/sink1/spool.dat")))
        #expect(log.contains("[reader0] port = \(directory.file("ttyUSB0")) from environment SMARTMETER__READER0__PORT"))
        #expect(log.contains("[reader0] type = lge450 from built-in default"))
        #expect(log.contains("web page, API and /metrics on http://127.0.0.1:\(webPort)/"), "\(log)")
    }

    @Test func environmentOverridesAFileValue() throws {
        let directory = try TestFolder()
        let ini = try directory.ini(Ini.reader(0, "lge450", ["file": "/nonexistent.hex", "timezone": "Europe/Zurich"]),
                                    Ini.sink(0, "jsonl", ["file": directory.file("out.jsonl")]))
        let capture = LGE450Capture.path
        let result = try runCollector(["-c", ini, "-d"], environment: ["SMARTMETER__READER0__FILE": capture])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("[reader0] file = \(capture) from environment SMARTMETER__READER0__FILE"))
        #expect(result.stderr.contains("[reader0] type = lge450 from \(ini):2"))
        let readings = try jsonLines(directory.file("out.jsonl"))
        #expect(readings.count == 1)
        if let reading = readings.first { LGE450Capture.expectJSON(reading) }
    }

    /// Under systemd (JOURNAL_STREAM set) log lines carry the syslog priority for journald, and no timestamp.
    @Test func journaldLogLines() throws {
        let directory = try TestFolder()
        let ini = try directory.ini(Ini.reader(0, "lge450", ["file": LGE450Capture.path]),
                                    Ini.sink(0, "jsonl", ["file": directory.file("out.jsonl")]), Ini.logging())
        let journald = try runCollector(["-c", ini], environment: ["JOURNAL_STREAM": "8:12345"])
        #expect(journald.status == 0)
        let lines = journald.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("<6>") || $0.hasPrefix("<7>") || $0.hasPrefix("<4>") })
        #expect(lines.contains("<6>collector: running 1 reader(s) and 1 sink(s)"))
        let terminal = try runCollector(["-c", ini])
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO collector: /#
        let first = terminal.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.firstMatch(of: pattern) != nil, "\(first)")
    }

    @Test func unwritableSinkExitsWithStatus1() throws {
        let directory = try TestFolder()
        let ini = try directory.ini(Ini.reader(0, "lge450", ["file": LGE450Capture.path]),
                                    Ini.sink(0, "jsonl", ["file": directory.file("missing/dir/out.jsonl")]))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 1)
        #expect(result.stderr.contains("[sink0] cannot start the jsonl sink: cannot open \(directory.file("missing/dir/out.jsonl")): No such file or directory"))
    }
}
