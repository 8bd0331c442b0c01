import Foundation
import TestSupport
import Configuration
import Protocols
import Testing
import TestThreads

/// Validation of `[readerN]`, `[sinkN]` and `[logging]`: every message, with file:line, section and key.
struct ProblemLines: Error {
    var lines: [String]
}

@Suite(.onOwnThread) struct ConfigurationValidationTests {
    /// Loads `text` from a file named `test.ini` and validates it; returns the configuration or the problem lines
    /// (with the file path shortened to `test.ini`).
    static func validate(_ text: String, environment: [String: String] = [:])
        throws -> Result<CollectorConfiguration, ProblemLines> {
        let directory = try TestFolder()
        let path = try directory.write("test.ini", text)
        let effective = EffectiveConfiguration(try IniDocument.load(path: path), location: .file(path),
                                               environment: environment)
        switch effective.validated() {
        case .success(let configuration): return .success(configuration)
        case .failure(let errors):
            return .failure(ProblemLines(lines: errors.problems.map { $0.description.replacingOccurrences(of: path, with: "test.ini") }))
        }
    }

    static func problems(_ text: String, environment: [String: String] = [:]) throws -> [String] {
        switch try validate(text, environment: environment) {
        case .success: return []
        case .failure(let problems): return problems.lines
        }
    }

    static func settings(_ baudrate: Int, _ parity: Character, _ dataBits: Int, _ stopBits: Int) -> MeterType.SerialSettings {
        var settings = MeterType.lge450.serialDefaults
        settings.baudrate = baudrate
        settings.parity = parity
        settings.dataBits = dataBits
        settings.stopBits = stopBits
        return settings
    }

    static let sink = "\n[sink0]\ntype = logger\n"
    static let reader = "[reader0]\ntype = lge450\nport = /dev/ttyUSB0\n"

    @Test func validConfigurationBuildsTheTypedModel() throws {
        // Also a seed of the config fuzz target.
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Fuzz/Seeds/typed-model.ini"), encoding: .utf8)
        let configuration = try Self.validate(text).get()
        #expect(configuration.readers.map(\.name) == ["reader0", "reader1"])
        let file = configuration.readers[0]
        #expect(file.meter == .lge450)
        #expect(file.input == .file(path: "capture.hex", speed: .realtime))
        let serial = configuration.readers[1]
        #expect(serial.input == .serial(port: "/dev/serial/by-id/usb-FTDI-if00",
                                        settings: Self.settings(9600, "N", 8, 1)))
        #expect(serial.key == Hex.key("00112233445566778899AABBCCDDEEFF"))
        #expect(serial.authenticationKey == Hex.key("FFEEDDCCBBAA99887766554433221100"))
        #expect(serial.useSystemTime)
        #expect(serial.timeZone == "Europe/Zurich")
        #expect(serial.sourceId == "kitchen")
        #expect(serial.decoderConfiguration().fallbackSource == "usb-FTDI-if00")
        #expect(configuration.sinks.map(\.type) == ["csv", "mqtt"])
        #expect(configuration.sinks[0].settings == .csv(directory: "/tmp/csv"))
        #expect(configuration.logging.defaultLevel == .INFO)
        #expect(configuration.logging.collector == .INFO)
        #expect(configuration.logging.sink == .DEBUG)
    }

    @Test func serialSettingsDefaultPerMeterType() throws {
        let configuration = try Self.validate(Self.reader + "parity = odd\nstopbits = 2\n" + Self.sink).get()
        #expect(configuration.readers[0].input == .serial(
            port: "/dev/ttyUSB0", settings: Self.settings(2400, "O", 8, 2)))
    }

    @Test func emptyValuesMeanNotSet() throws {
        let configuration = try Self.validate(Self.reader + "key =\nauth_key = ''\nid = \"\"\n" + Self.sink).get()
        #expect(configuration.readers[0].key == nil)
        #expect(configuration.readers[0].sourceId == nil)
    }

    @Test func unknownMeterTypeSuggestsTheClosest() throws {
        let problems = try Self.problems("[reader0]\ntype = lge451\nport = /dev/ttyUSB0\n" + Self.sink)
        #expect(problems.count == 1)
        #expect(problems[0].hasPrefix("test.ini:2: [reader0] type: unknown meter type 'lge451'; did you mean 'lge450'? (one of: "))
        for type in MeterType.allCases { #expect(problems[0].contains(type.rawValue)) }
    }

    @Test func missingMeterType() throws {
        #expect(try Self.problems("[reader0]\nport = /dev/ttyUSB0\n" + Self.sink) == ["test.ini:1: [reader0] type: missing"])
        #expect(try Self.problems("[reader0]\ntype =\nport = /dev/ttyUSB0\n" + Self.sink)
            == ["test.ini:2: [reader0] type: must not be empty"])
    }

    @Test func unknownReaderKeySuggestsTheClosest() throws {
        let problems = try Self.problems(Self.reader + "baudrat = 9600\nfrobnicate = 1\n" + Self.sink)
        #expect(problems == [
            "test.ini:4: [reader0] baudrat: unknown key; did you mean 'baudrate'? (keys of a reader: type, port, file, "
                + "replay_speed, baudrate, parity, databits, stopbits, key, auth_key, systemtime, timezone, id, interval)",
            "test.ini:5: [reader0] frobnicate: unknown key (keys of a reader: type, port, file, replay_speed, baudrate, "
                + "parity, databits, stopbits, key, auth_key, systemtime, timezone, id, interval)",
        ])
    }

    @Test func keysMustBe32HexCharacters() throws {
        let problems = try Self.problems(Self.reader + "key = 0011\nauth_key = 00112233445566778899AABBCCDDEEGG\n" + Self.sink)
        #expect(problems == [
            "test.ini:4: [reader0] key: must be 32 hex characters (16 bytes), got 4 characters",
            // The key itself is never repeated: messages end up in logs.
            "test.ini:5: [reader0] auth_key: character 31 is not a hex digit; a key is 32 hex characters (16 bytes)",
        ])
    }

    @Test func authenticationKeyNeedsTheKey() throws {
        let problems = try Self.problems(Self.reader + "auth_key = 00112233445566778899AABBCCDDEEFF\n" + Self.sink)
        #expect(problems == ["test.ini:4: [reader0] auth_key: an authentication key needs the encryption key 'key' as well"])
    }

    @Test func portAndFileExcludeEachOther() throws {
        #expect(try Self.problems(Self.reader + "file = capture.hex\n" + Self.sink)
            == ["test.ini:4: [reader0] file: 'port' and 'file' are both set; a reader reads one of them"])
        #expect(try Self.problems("[reader0]\ntype = lge450\n" + Self.sink)
            == ["test.ini:1: [reader0] needs either 'port' (a serial device) or 'file' (a capture)"])
        #expect(try Self.problems(Self.reader + "replay_speed = max\n" + Self.sink)
            == ["test.ini:4: [reader0] replay_speed: applies to 'file' readers only"])
        #expect(try Self.problems("[reader0]\ntype = lge450\nfile = a.hex\nreplay_speed = fast\n" + Self.sink)
            == ["test.ini:4: [reader0] replay_speed: 'fast' is not one of: realtime, max"])
    }

    @Test func serialSettingsAreChecked() throws {
        let problems = try Self.problems(Self.reader + """
            baudrate = 2401
            parity = X
            databits = 9
            stopbits = one
            systemtime = maybe
            timezone = Europe/Zurch
            """ + "\n" + Self.sink)
        #expect(problems == [
            "test.ini:4: [reader0] baudrate: 2401 is not a serial speed (common ones: 2400, 9600, 115200)",
            "test.ini:5: [reader0] parity: 'X' is not one of: N, E, O, none, even, odd",
            "test.ini:6: [reader0] databits: 9 is out of range 5...8",
            "test.ini:7: [reader0] stopbits: 'one' is not a whole number",
            "test.ini:8: [reader0] systemtime: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)",
            "test.ini:9: [reader0] timezone: unknown time zone 'Europe/Zurch' (use a name like Europe/Zurich)",
        ])
    }

    /// `interval` and the readout speed of IEC 62056-21 readers; the sign-on stays at 300 7E1.
    @Test func readoutIntervalAndSpeed() throws {
        let td3511 = "[reader0]\ntype = siemens_td3511\nport = /dev/ttyUSB0\n"
        let plain = try Self.validate(td3511 + Self.sink).get().readers[0]
        #expect(plain.interval == ReaderConfiguration.defaultInterval)
        #expect(plain.readoutBaudRate == nil)
        #expect(plain.input == .serial(port: "/dev/ttyUSB0", settings: MeterType.siemens_td3511.serialDefaults))
        let set = try Self.validate(td3511 + "interval = 60\nbaudrate = 4800\n" + Self.sink).get().readers[0]
        #expect(set.interval == 60)
        #expect(set.readoutBaudRate == 4800)
        #expect(set.input == .serial(port: "/dev/ttyUSB0", settings: MeterType.siemens_td3511.serialDefaults))
        #expect(try Self.problems(td3511 + "interval = 0\nbaudrate = 115200\n" + Self.sink) == [
            "test.ini:4: [reader0] interval: 0 is out of range 1...86400",
            "test.ini:5: [reader0] baudrate: 115200 is not an IEC 62056-21 mode C speed (300, 600, 1200, 2400, 4800, 9600, 19200)",
        ])
        #expect(try Self.problems(Self.reader + "interval = 5\n" + Self.sink) == [
            "test.ini:4: [reader0] interval: applies to IEC 62056-21 readout meters (siemens_td3511) only; other meters send on their own",
        ])
    }

    @Test func duplicateSectionNumbers() throws {
        let problems = try Self.problems(Self.reader + "[reader00]\ntype = lge360\nport = /dev/ttyUSB1\n"
                                         + Self.sink + "[sink0]\ntype = csv\ndirectory = x\n")
        #expect(problems == [
            "test.ini:4: [reader00] has the same number as [reader0] (first at test.ini:1); numbers must be unique",
            "test.ini:10: [sink0] appears again (first at test.ini:8); numbers must be unique",
        ])
    }

    @Test func repeatedKey() throws {
        #expect(try Self.problems(Self.reader + "port = /dev/ttyUSB1\n" + Self.sink)
            == ["test.ini:4: [reader0] port: set again (first at test.ini:3); only one value is kept"])
    }

    @Test func unknownSectionSuggestsTheClosest() throws {
        #expect(try Self.problems(Self.reader + Self.sink + "[sinc1]\ntype = csv\n[loging]\n[meters]\n") == [
            "test.ini:7: [sinc1] unknown section; did you mean [sink1]?; sections are [readerN], [sinkN], [logging] and [http]",
            "test.ini:9: [loging] unknown section; did you mean [logging]?; sections are [readerN], [sinkN], [logging] and [http]",
            "test.ini:10: [meters] unknown section; sections are [readerN], [sinkN], [logging] and [http]",
        ])
    }

    @Test func sinkTypesAndKeys() throws {
        let problems = try Self.problems(Self.reader + """
            [sink0]
            type = csvv
            [sink1]
            directory = x
            [sink2]
            type = csv
            [sink3]
            type = jsonl
            file =
            [sink4]
            type = logger
            nmae = x
            [sink5]
            type = mqtt
            host = broker
            port = 99999
            queue_size = 0
            """)
        #expect(problems == [
            "test.ini:5: [sink0] type: unknown sink type 'csvv'; did you mean 'csv'? (one of: logger, csv, jsonl, mqtt, mqttrldsp, mqttjson, postgresql, timescaledb)",
            "test.ini:6: [sink1] type: missing; one of: logger, csv, jsonl, mqtt, mqttrldsp, mqttjson, postgresql, timescaledb",
            "test.ini:8: [sink2] directory: missing",
            "test.ini:12: [sink3] file: must not be empty",
            "test.ini:15: [sink4] nmae: unknown key; did you mean 'name'? (keys of a logger sink: type, name, queue_size, queue_max_kb)",
            "test.ini:19: [sink5] port: 99999 is out of range 1...65535",
            "test.ini:20: [sink5] queue_size: 0 is out of range 1...1000000",
        ])
    }

    @Test func loggingLevels() throws {
        let problems = try Self.problems(Self.reader + Self.sink + "[logging]\ndefault = LOUD\ncollecter = INFO\n")
        #expect(problems == [
            "test.ini:8: [logging] default: 'LOUD' is not a log level (DEBUG, INFO, WARNING, ERROR)",
            "test.ini:9: [logging] collecter: unknown key; did you mean 'collector'? (keys of [logging]: default, "
                + "smartmeter, collector, sink, statistics_interval)",
        ])
        let levels = try Self.validate(Self.reader + Self.sink + "[logging]\ndefault = error\nsmartmeter = debug\n").get()
        #expect(levels.logging.defaultLevel == .ERROR)
        #expect(levels.logging.smartmeter == .DEBUG)
        #expect(levels.logging.sink == .ERROR)
    }

    @Test func readersAndSinksAreRequired() throws {
        #expect(try Self.problems("[logging]\ndefault = INFO\n") == [
            "test.ini: no [readerN] section: nothing to read",
            "test.ini: no [sinkN] section: readings would go nowhere",
        ])
    }

    @Test func syntaxErrorsAreListedWithTheirLines() throws {
        let problems = try Self.problems("stray = 1\n[reader0\ntype = lge450\njust words\n= value\n[sink0]\ntype = logger\n")
        #expect(problems == [
            "test.ini:1: stray: 'stray' is set before any [section]",
            "test.ini:2: syntax error: a section header needs a closing ']': [reader0",
            "test.ini:3: type: 'type' is set before any [section]",
            "test.ini:4: syntax error: expected 'key = value', '[section]' or a comment: just words",
            "test.ini:5: syntax error: expected 'key = value', '[section]' or a comment: = value",
        ])
    }

    @Test func byteOrderMarkIsNamed() throws {
        let problems = try Self.problems("\u{FEFF}" + Self.reader + Self.sink)
        #expect(problems == ["test.ini:1: the file starts with a UTF-8 byte order mark, which iniparser cannot read; save it without one"])
    }

    @Test func windowsLineEndingsAndQuotedValues() throws {
        let text = "[reader0]\r\ntype = lge450\r\nport = \"/dev/ttyUSB0\"\r\nid = 'meter; 1'\r\n[sink0]\r\ntype = logger ; comment\r\n"
        let configuration = try Self.validate(text).get()
        #expect(configuration.readers[0].input.path == "/dev/ttyUSB0")
        #expect(configuration.readers[0].sourceId == "meter; 1")
        #expect(configuration.sinks[0].type == "logger")
    }

    @Test func continuationLinesKeepTheirFirstLineNumber() throws {
        let configuration = try Self.validate("[reader0]\ntype = lge450\nport = /dev/\\\nttyUSB3\n" + Self.sink).get()
        #expect(configuration.readers[0].input.path == "/dev/ttyUSB3")
        #expect(try Self.problems("[reader0]\ntype = lge450\nport = /dev/\\\nttyUSB3\nbad = \\\n1\n" + Self.sink)
            .first?.hasPrefix("test.ini:5: [reader0] bad: unknown key") == true)
    }

    @Test func everyProblemIsListedAtOnce() throws {
        let problems = try Self.problems("""
            [reader0]
            type = lge451
            key = 0011
            prot = 3
            [sink0]
            type = csvv
            [logging]
            default = LOUD
            """)
        #expect(problems.count == 6)
    }

    @Test func environmentOverridesAndAddsKeys() throws {
        let environment = [
            "SMARTMETER__READER0__PORT": "/dev/ttyUSB1",
            "SMARTMETER__SINK1__TYPE": "jsonl",
            "SMARTMETER__SINK1__FILE": "/tmp/readings.jsonl",
            "OTHER": "x",
        ]
        let configuration = try Self.validate(Self.reader + Self.sink, environment: environment).get()
        #expect(configuration.readers[0].input.path == "/dev/ttyUSB1")
        #expect(configuration.sinks.map(\.type) == ["logger", "jsonl"])
        #expect(configuration.sinks[1].settings == .jsonl(file: "/tmp/readings.jsonl"))

        var document = IniDocument(sections: [IniDocument.Section(name: "reader0", location: .file("a.ini", line: 1),
            entries: [.init(key: "port", value: "/dev/ttyUSB0", location: .file("a.ini", line: 2))])])
        document.applyEnvironment(["SMARTMETER__READER0__PORT": "/dev/ttyUSB1"])
        #expect(document.section("reader0")?.entry("port")?.location.description == "environment SMARTMETER__READER0__PORT")
    }

    @Test func environmentValuesAreValidatedWithTheirNames() throws {
        let problems = try Self.problems(Self.reader + Self.sink, environment: [
            "SMARTMETER__READER0__KEY": "xyz", "SMARTMETER__READER0": "1", "SMARTMETER__A__B__C": "1",
        ])
        #expect(problems == [
            "environment SMARTMETER__A__B__C: expected SMARTMETER__SECTION__KEY, for example SMARTMETER__READER0__PORT",
            "environment SMARTMETER__READER0: expected SMARTMETER__SECTION__KEY, for example SMARTMETER__READER0__PORT",
        ])
        #expect(try Self.problems(Self.reader + Self.sink, environment: ["SMARTMETER__READER0__KEY": "xyz"])
            == ["environment SMARTMETER__READER0__KEY: [reader0] key: must be 32 hex characters (16 bytes), got 3 characters"])
    }

    @Test func builtInDefaultAndItsTextAgree() throws {
        let configuration = try ConfigurationValidator().validate(DefaultConfiguration.document).get()
        #expect(configuration.readers[0].input == .serial(port: "/dev/ttyUSB0", settings: MeterType.lge450.serialDefaults))
        #expect(configuration.sinks.map(\.type) == ["logger", "mqtt"])
        guard case .mqtt(let mqtt) = configuration.sinks[1].settings else {
            Issue.record("sink1 is not an MQTT sink")
            return
        }
        #expect(mqtt.connection.host == "127.0.0.1")
        let fromText = try Self.validate(DefaultConfiguration.text).get()
        #expect(fromText.readers.map(\.input) == configuration.readers.map(\.input))
        #expect(fromText.sinks == configuration.sinks)
        #expect(fromText.logging == configuration.logging)
        #expect(configuration.http == HTTPConfiguration(listen: [.tcp(host: "127.0.0.1", port: 8180)]))
        #expect(fromText.http == configuration.http)
    }

    @Test func suggestions() {
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.editDistance("prot", "port") == 1)
        #expect(Suggestion.closest(to: "timezoen", among: ["timezone", "type"]) == "timezone")
        #expect(Suggestion.closest(to: "xyz", among: ["timezone", "type"]) == nil)
    }
}
