import Foundation
import Testing
import TestSupport
import TestThreads

/// `smartmeter-config test-sinks` against a real mosquitto with TLS and passwords.
@Suite("smartmeter-config test-sinks", .onOwnThread, .serialized)
struct TestSinksCommandTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    static let reader = "[reader0]\ntype = lge450\nport = /dev/null\n"

    @Test("TLS with a CA file and a password holding '#' and ';' connects; every failure says why")
    func mqtt() throws {
        let certificates = try TestCertificates.shared()
        let broker = try MosquittoBroker(listenerOptions: certificates.brokerTLSOptions(), passwords: ["meter": "p#ss;w rd"])
        defer { broker.stop() }
        let closedPort = FreePort.find()
        let config = try scratch.write("c.ini", Self.reader +
            (Ini.sink(0, "mqtt", ["host": "localhost", "port": broker.port, "tls": "True",
                                 "ca_file_path": certificates.caCertificate, "username": "meter",
                                 "password": "\"p#ss;w rd\""]) +
            Ini.sink(1, "mqttjson", ["host": "localhost", "port": broker.port, "tls": "True",
                                     "ca_file_path": certificates.caCertificate, "username": "meter",
                                     "password": "wrong"]) +
            Ini.sink(2, "mqtt", ["host": "localhost", "port": broker.port, "tls": "True",
                                 "ca_file_path": certificates.otherCACertificate, "username": "meter",
                                 "password": "\"p#ss;w rd\""]) +
            Ini.sink(3, "mqtt", ["host": "127.0.0.1", "port": closedPort]) +
            Ini.sink(4, "csv", ["directory": scratch.file("csv")]) +
            Ini.sink(5, "postgresql", ["host": "db.invalid"])))
        let result = try Configurator.run(["test-sinks", "-c", config, "--timeout", "8"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(result.stdout)")
        guard lines.count == 6 else { return }
        #expect(lines[0] == "[sink0] mqtt: OK: connected to mqtts://localhost:\(broker.port) with TLS, user meter")
        #expect(lines[1] == "[sink1] mqttjson: FAILED: mqtts://localhost:\(broker.port) refused the connection: Connection Refused: not authorised.")
        #expect(lines[2].hasPrefix("[sink2] mqtt: FAILED: mqtts://localhost:\(broker.port): "))
        // OpenSSL's reason, not only libmosquitto's "certificate verify failed".
        #expect(lines[2].contains("the broker's certificate was not accepted: self-signed certificate in certificate chain"),
                "\(lines[2])")
        #expect(lines[3].hasPrefix("[sink3] mqtt: FAILED: mqtt://127.0.0.1:\(closedPort): "))
        #expect(lines[3].contains("onnection refused"), "\(lines[3])")
        #expect(lines[4] == "[sink4] csv: OK: \(scratch.file("csv")) does not exist yet; it will be created")
        #expect(lines[5].hasPrefix("[sink5] postgresql: FAILED: postgresql://db.invalid:5432/premises: "), "\(lines[5])")
        #expect(lines[5].contains("db.invalid"), "\(lines[5])")
    }

    @Test("all sinks working: exit 0; only the sinks named; an invalid sink section is reported, not tested")
    func allWorking() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let config = try scratch.write("c.ini", Self.reader +
            (Ini.sink(0, "mqtt", ["host": "127.0.0.1", "port": broker.port]) +
            Ini.sink(1, "logger") +
            Ini.sink(2, "jsonl", ["file": scratch.file("r.jsonl")]) +
            Ini.sink(3, "mqtt", ["host": "127.0.0.1", "username": "me"])))
        let some = try Configurator.run(["test-sinks", "-c", config, "sink0", "sink1", "sink2"])
        #expect(some.status == 0, "\(some.stdout)")
        #expect(some.stdout == """
            [sink0] mqtt: OK: connected to mqtt://127.0.0.1:\(broker.port)
            [sink1] logger: OK: writes to the log
            [sink2] jsonl: OK: \(scratch.file("r.jsonl")) can be appended to

            """)
        let all = try Configurator.run(["test-sinks", "-c", config])
        #expect(all.status == 1)
        #expect(all.stdout.hasSuffix("[sink3] mqtt: FAILED: invalid configuration:\n    \(config):16: [sink3] username: username without password\n"))
        let missing = try Configurator.run(["test-sinks", "-c", scratch.file("none.ini")])
        #expect(missing.status == 2)
    }
}
