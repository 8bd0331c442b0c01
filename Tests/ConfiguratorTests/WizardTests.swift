import Foundation
import TestSupport
import Testing
import TestThreads

/// `smartmeter-config wizard` through a real pseudo-terminal and with piped answers; the written file is checked.
@Suite("smartmeter-config wizard", .onOwnThread)
struct WizardTests {
    let scratch: TestFolder
    let devices: String

    init() throws {
        scratch = try TestFolder()
        devices = scratch.file("dev")
        try FileManager.default.createDirectory(atPath: devices + "/serial/by-id", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: devices + "/ttyUSB0", withDestinationPath: "/dev/null")
        try FileManager.default.createSymbolicLink(atPath: devices + "/ttyAMA0", withDestinationPath: "/dev/null")
        try FileManager.default.createSymbolicLink(atPath: devices + "/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0",
                                                   withDestinationPath: "../../ttyUSB0")
    }

    func fakeSystemctl() throws -> String {
        let path = try scratch.write("systemctl", "#!/bin/sh\necho \"$@\" >> \(scratch.file("calls"))\n[ \"$1\" = status ] && echo 'Active: active (running)'\nexit 0\n")
        chmod(path, 0o755)
        return path
    }

    @Test("driven through a pseudo-terminal: ports listed, key checked as typed, password not echoed, file 0640, restart")
    func terminal() throws {
        let terminal = try PseudoTerminal()
        let config = scratch.file("etc/datacollector.ini")
        let ca = try scratch.write("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        let slave = try terminal.openSlave()
        let process = try RunningProcess(Configurator.binary, ["wizard", "-c", config], environment: Configurator.environment(
            ["SMARTMETER_DEVICE_DIR": devices, "SMARTMETER_SYSTEMCTL": try fakeSystemctl()]), terminal: slave.fileDescriptor)
        try slave.close()
        defer { process.stop() }

        let steps: [(prompt: String, answer: String)] = [
            ("  1) \(devices)/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0  (ttyUSB0)\n  2) \(devices)/ttyUSB0\n  3) \(devices)/ttyAMA0\n  4) other  type a path\nPort [1]: ", ""),
            ("  1) lge450  Landis+Gyr E450 (EKZ and other Swiss utilities, CII port, HDLC/DLMS)", ""),
            ("Meter type [1]: ", "lge450"),
            ("Key: ", "0123"),
            ("  a key is 32 hex characters; that was 4\nKey: ", "0123456789abcdef0123456789abcdeg"),
            ("  that holds characters other than 0-9 and A-F\nKey: ", "0123 4567 89ab cdef 0123 4567 89ab cdef"),
            ("Authentication key (empty if you got none): ", ""),
            ("Where should the readings go?", ""),
            ("Sink [1]: ", ""),
            ("Broker host name or address [127.0.0.1]: ", "mqtt://broker"),
            ("  a host name or address, without mqtt:// or a port\nBroker host name or address [127.0.0.1]: ", "broker.local"),
            ("Use TLS? [y/N]: ", "y"),
            ("Broker port [8883]: ", ""),
            ("CA certificate file (empty: the system's CA store): ", ca),
            ("Check that the broker's certificate names that host? [Y/n]: ", ""),
            ("Client certificate file (empty: none): ", ""),
            ("Username (empty: no login): ", "meter"),
            ("Password: ", "s3cret#1"),
            ("Announce the meter to Home Assistant (MQTT discovery)? [y/N]: ", "y"),
            ("Home Assistant's discovery prefix [homeassistant]: ", "home/assistant"),
            ("  letters and digits only, as set in Home Assistant's MQTT options\nHome Assistant's discovery prefix [homeassistant]: ", "ha"),
            ("Another sink? (1 so far)", ""),
            ("Sink [6]: ", "csv"),
            ("Folder for the CSV files [/var/lib/smartmeter-datacollector/csv]: ", scratch.file("csv")),
            ("Sink [6]: ", ""),
            ("Log level [3]: ", "info"),
            ("Checked: the collector accepts it.\nWrite \(config)? [Y/n]: ", ""),
            ("Restart the smartmeter-datacollector service now? [Y/n]: ", "y"),
        ]
        for (number, step) in steps.enumerated() {
            let seen = terminal.expect(step.prompt)
            #expect(seen, "step \(number): waiting for \(step.prompt.debugDescription)\n--- transcript ---\n\(terminal.transcript)")
            guard seen else { return }
            if !step.answer.isEmpty || step.prompt.hasSuffix(": ") { terminal.send(step.answer) }
        }
        #expect(terminal.expect("restarted smartmeter-datacollector\nActive: active (running)\n"), "\(terminal.transcript)")
        #expect(process.waitForExit(timeout: 20) == 0)
        #expect(!terminal.transcript.contains("s3cret"))
        #expect(terminal.transcript.contains("  password = ********\n"))
        #expect(terminal.transcript.contains("  key = ********\n"), "the review masks the key too")
        #expect(!terminal.transcript.contains("key = 0123456789ABCDEF0123456789ABCDEF"))

        #expect(scratch.mode("etc/datacollector.ini") == 0o640)
        let written = scratch.read("etc/datacollector.ini")
        let active = written.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(active == [
            "[reader0]", "type = lge450", "port = \(devices)/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0",
            "key = 0123456789ABCDEF0123456789ABCDEF",
            "[sink0]", "type = mqtt", "host = broker.local", "port = 8883", "tls = True", "ca_file_path = \(ca)",
            "check_hostname = True", "username = meter", "password = \"s3cret#1\"", "ha_discovery = True",
            "ha_discovery_prefix = ha",
            "[sink1]", "type = csv", "directory = \(scratch.file("csv"))",
            "[logging]", "default = INFO",
        ])
        #expect(written.contains("# host / IP address of the MQTT broker\nhost = broker.local\n"))
        let validate = try Configurator.run(["validate", "-c", config], environment: ["SMARTMETER_DEVICE_DIR": devices])
        #expect(validate.status == 0, "\(validate.stdout)")
        #expect(scratch.read("calls") == "restart smartmeter-datacollector\nstatus --no-pager --full --lines=10 smartmeter-datacollector\n")
    }

    static let pipedAnswers = [
        "/dev/null",                 // device path (no adapters found)
        "fluvius",                   // meter type by name
        "",                          // no key
        "jsonl", "",                 // JSON lines, default file
        "postgresql", "db.example", "", "", "collector", "",  // PostgreSQL: host, default port and database, user, no password
        "logger",
        "",                          // done (the default once there is a sink)
        "",                          // log level WARNING
        "y",                         // write
    ]

    @Test("answers piped in: no adapters found, a PostgreSQL sink, file written, no systemctl")
    func piped() throws {
        let config = scratch.file("piped.ini")
        let result = try Configurator.run(["wizard", "-c", config], stdin: Self.pipedAnswers.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Serial port of the meter adapter:\n  no serial adapter found (is it plugged in? 'dmesg | tail' shows what the kernel saw)\nDevice path [/dev/ttyUSB0]: /dev/null\n"))
        #expect(result.stdout.contains("Sink [6]: postgresql\nServer host name, address or unix socket folder [localhost]: db.example\n"), "\(result.stdout)")
        #expect(result.stdout.contains("Log level [3]: WARNING\n") || result.stdout.contains("Log level [3]: \n"))
        #expect(result.stdout.hasSuffix("Wrote \(config).\nStart the collector with: smartmeter-datacollector -c \(config)\n"))
        let active = scratch.read("piped.ini").split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(active == ["[reader0]", "type = fluvius", "port = /dev/null",
                           "[sink0]", "type = jsonl", "file = /var/lib/smartmeter-datacollector/readings.jsonl",
                           "[sink1]", "type = postgresql", "host = db.example", "port = 5432", "database = premises",
                           "user = collector",
                           "[sink2]", "type = logger", "name = DataLogger", "[logging]", "default = WARNING"])
        #expect(scratch.mode("piped.ini") == 0o640)
    }

    @Test("input that ends early writes nothing; an existing file is replaced only when confirmed, kept as .bak")
    func endedAndExisting() throws {
        let config = scratch.file("c.ini")
        let ended = try Configurator.run(["wizard", "-c", config], stdin: "/dev/null\nlge450\n")
        #expect(ended.status == 1)
        #expect(ended.stderr == "smartmeter-config wizard: input ended; nothing written\n")
        #expect(!FileManager.default.fileExists(atPath: config))

        try scratch.write("c.ini", "# old\n")
        let declined = try Configurator.run(["wizard", "-c", config], stdin: Self.pipedAnswers.dropLast().joined(separator: "\n") + "\n\n")
        #expect(declined.status == 1)
        #expect(declined.stdout.contains("Replace \(config)? (the old file is kept as \(config).bak) [y/N]: \nNothing written.\n"))
        #expect(scratch.read("c.ini") == "# old\n")
        let replaced = try Configurator.run(["wizard", "-c", config], stdin: Self.pipedAnswers.joined(separator: "\n") + "\n")
        #expect(replaced.status == 0)
        #expect(scratch.read("c.ini.bak") == "# old\n")
        #expect(scratch.read("c.ini").contains("type = fluvius"))
    }
}
