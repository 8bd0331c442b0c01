import Foundation
import Testing
import TestSupport
import TestThreads

/// `smartmeter-config validate`: every problem with file:line, section and key; exit 0, 1 or 2.
@Suite("smartmeter-config validate", .onOwnThread)
struct ValidateCommandTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    func validate(_ text: String, environment: [String: String] = [:]) throws -> Configurator.Result {
        let path = try scratch.write("c.ini", text)
        return try Configurator.run(["validate", "-c", path], environment: environment)
    }

    static let good = """
        [reader0]
        type = lge450
        file = \(validCapture)

        [sink0]
        type = logger

        """

    @Test("a valid file: exit 0 and a summary")
    func valid() throws {
        let result = try validate(Self.good)
        #expect(result.status == 0)
        #expect(result.stdout == "\(scratch.file("c.ini")): valid (1 reader, 1 sink)\n")
        #expect(try Configurator.run(["validate", "-q", "-c", scratch.file("c.ini")]).stdout == "")
    }

    @Test("unreadable: a missing file or a directory exits 2")
    func unreadable() throws {
        let missing = try Configurator.run(["validate", "-c", scratch.file("none.ini")])
        #expect(missing.status == 2)
        #expect(missing.stderr == "smartmeter-config validate: cannot read \(scratch.file("none.ini")): no such file\n")
        let directory = try Configurator.run(["validate", "-c", scratch.path])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("is a directory"))
    }

    /// (file text, the exact problem line expected with FILE for the path).
    static let cases: [(String, String)] = [
        ("[reader0]\ntype = lge451\nport = /dev/null\n[sink0]\ntype = logger\n",
         "FILE:2: [reader0] type: unknown meter type 'lge451'; did you mean 'lge450'? (one of: lge450, lge360, lge570, iskraam550, kamstrup_han, aidon, kaifa, netznoe, kamstrup_han_se, dsmr, dsmr22, fluvius, smarty, siemens_td3511)"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = mqt\nhost = x\n",
         "FILE:5: [sink0] type: unknown sink type 'mqt'; did you mean 'mqtt'? (one of: logger, csv, jsonl, mqtt, mqttrldsp, mqttjson, postgresql, timescaledb)"),
        ("[reader0]\nport = /dev/null\n[sink0]\ntype = logger\n", "FILE:1: [reader0] type: missing"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = csv\n", "FILE:4: [sink0] directory: missing"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\nkey = 0123456789ABCDEF\n[sink0]\ntype = logger\n",
         "FILE:4: [reader0] key: must be 32 hex characters (16 bytes), got 16 characters"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\nkey = 0123456789ABCDEF0123456789ABCDEG\n[sink0]\ntype = logger\n",
         "FILE:4: [reader0] key: character 32 is not a hex digit; a key is 32 hex characters (16 bytes)"),
        ("[reader0]\ntype = lge450\nport = /dev/null\nfile = \(validCapture)\n[sink0]\ntype = logger\n",
         "FILE:4: [reader0] file: 'port' and 'file' are both set; a reader reads one of them"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = mqtt\nhost = broker\nport = 70000\n",
         "FILE:7: [sink0] port: 70000 is out of range 1...65535"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = mqtt\nhost = broker\nusername = me\n",
         "FILE:7: [sink0] username: username without password"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = mqttrldsp\nhost = broker\ntopic_group = my/group\n",
         "FILE:7: [sink0] topic_group: 'my/group' must be letters and digits only"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = mqttjson\nhost = broker\nha_discovery = True\nha_discovery_prefix = home/assistant\n",
         "FILE:8: [sink0] ha_discovery_prefix: 'home/assistant' must be letters and digits only"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = mqtt\nhost = broker\nha_discovery_prefix = ha\n",
         "FILE:7: [sink0] ha_discovery_prefix: ha_discovery_prefix is set but ha_discovery is not enabled"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = mqtt\nhost = broker\nha_discovery = maybe\n",
         "FILE:7: [sink0] ha_discovery: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\n[sink0]\ntype = logger\n[logging]\ndefault = LOUD\n",
         "FILE:7: [logging] default: 'LOUD' is not a log level (DEBUG, INFO, WARNING, ERROR)"),
        ("[reader0]\ntype = lge450\nfile = \(validCapture)\nbaudrat = 2400\n[sink0]\ntype = logger\n",
         "FILE:4: [reader0] baudrat: unknown key; did you mean 'baudrate'? (keys of a reader: type, port, file, replay_speed, baudrate, parity, databits, stopbits, key, auth_key, systemtime, timezone, id, interval)"),
        ("[reader0]\ntype = lge450\nfile = /nonexistent/capture.hex\n[sink0]\ntype = logger\n",
         "FILE:3: [reader0] file: /nonexistent/capture.hex: no such file"),
    ]

    @Test("each problem is named with file:line, section and key; exit 1", arguments: 0..<cases.count)
    func problem(_ index: Int) throws {
        let (text, expected) = Self.cases[index]
        let result = try validate(text)
        #expect(result.status == 1)
        let path = scratch.file("c.ini")
        #expect(result.stdout.contains(expected.replacingOccurrences(of: "FILE", with: path) + "\n"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("the collector would not start\n"))
    }

    @Test("certificate, key and CA files: missing, a directory, not PEM; client certificate without key")
    func certificateFiles() throws {
        let certificates = try TestCertificates.shared()
        let notPEM = try scratch.write("notpem.crt", "hello\n")
        let text = """
            [reader0]
            type = lge450
            file = \(validCapture)
            [sink0]
            type = mqtt
            host = localhost
            tls = True
            ca_file_path = \(scratch.file("missing-ca.crt"))
            client_cert_path = \(notPEM)
            client_key_path = \(certificates.clientCertificate)
            [sink1]
            type = mqtt
            host = localhost
            tls = True
            ca_file_path = \(scratch.path)
            client_cert_path = \(certificates.clientCertificate)
            [sink2]
            type = mqtt
            host = localhost
            tls = True
            ca_file_path = \(certificates.caCertificate)
            client_cert_path = \(certificates.clientCertificate)
            client_key_path = \(certificates.clientKey)

            """
        let result = try validate(text)
        let path = scratch.file("c.ini")
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(path):16: [sink1] client_cert_path: client certificate without client_key_path",
            "\(path):8: [sink0] ca_file_path: \(scratch.file("missing-ca.crt")): no such file",
            "\(path):9: [sink0] client_cert_path: \(notPEM) is not a PEM certificate (no '-----BEGIN CERTIFICATE-----' line)",
            "\(path):10: [sink0] client_key_path: \(certificates.clientCertificate) is not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)",
            "\(path):15: [sink1] ca_file_path: \(scratch.path) is a directory, not a file",
            "\(path): 5 problems; the collector would not start",
        ])
    }

    @Test("a serial device that does not exist is a warning: exit 0; a regular file as port is an error")
    func portDevice() throws {
        let warning = try validate("[reader0]\ntype = lge450\nport = /dev/ttyNOPE9\n[sink0]\ntype = logger\n")
        let path = scratch.file("c.ini")
        #expect(warning.status == 0)
        #expect(warning.stdout == """
            \(path):3: warning: [reader0] port: /dev/ttyNOPE9 does not exist (yet): is the adapter plugged in? The collector waits for it
            \(path): valid (1 reader, 1 sink, 1 warning)

            """)
        let regular = try validate("[reader0]\ntype = lge450\nport = \(path)\n[sink0]\ntype = logger\n")
        #expect(regular.status == 1)
        #expect(regular.stdout.contains("\(path):3: [reader0] port: \(path) is not a serial device; to replay a capture use 'file' instead of 'port'"))
        let device = try validate("[reader0]\ntype = lge450\nport = /dev/null\n[sink0]\ntype = logger\n")
        #expect(device.status == 0)
    }

    @Test("syntax errors and environment overrides are reported as the collector reports them")
    func syntaxAndEnvironment() throws {
        let syntax = try validate("[reader0]\ntype = lge450\nthis is not ini\n")
        #expect(syntax.status == 1)
        #expect(syntax.stdout.contains("\(scratch.file("c.ini")):3: syntax error: expected 'key = value', '[section]' or a comment: this is not ini"))
        let environment = try validate(Self.good, environment: ["SMARTMETER__READER0__KEY": "abc"])
        #expect(environment.status == 1)
        #expect(environment.stdout.contains("environment SMARTMETER__READER0__KEY: [reader0] key: must be 32 hex characters (16 bytes), got 3 characters"))
        let ignored = try Configurator.run(["validate", "--no-environment", "-c", scratch.file("c.ini")],
                                           environment: ["SMARTMETER__READER0__KEY": "abc"])
        #expect(ignored.status == 0)
    }

    @Test("two MQTT sinks with one client id on one broker: a warning naming both; default ids, or other brokers, are fine")
    func sharedClientID() throws {
        let reader = "[reader0]\ntype = lge450\nfile = \(validCapture)\n"
        let shared = try validate(reader + """
            [sink0]
            type = mqtt
            host = Broker.local
            client_id = meter

            [sink1]
            type = mqttjson
            host = broker.local
            port = 1883
            client_id = meter

            """)
        #expect(shared.status == 0)
        #expect(shared.stdout.contains("\(scratch.file("c.ini")):13: warning: [sink1] client_id: client id 'meter' is also used by [sink0] for the same broker broker.local:1883"),
                "\(shared.stdout)")
        let defaults = try validate(reader + "[sink0]\ntype = mqtt\nhost = b\n[sink1]\ntype = mqttjson\nhost = b\n")
        #expect(!defaults.stdout.contains("client id"), "\(defaults.stdout)")
        let otherPort = try validate(reader + "[sink0]\ntype = mqtt\nhost = b\nclient_id = m\n[sink1]\ntype = mqttjson\nhost = b\nport = 1884\nclient_id = m\n")
        #expect(!otherPort.stdout.contains("client id"), "\(otherPort.stdout)")
    }
}
