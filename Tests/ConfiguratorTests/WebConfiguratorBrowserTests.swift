import Foundation
import Protocols
import TestSupport
import Testing
import TestThreads

/// Headless Chromium (Debian's chromium and chromium-driver, with python3-selenium) walks a first setup in
/// `smartmeter-config serve`: an empty configuration, log in, detect an E450 on a pseudo-terminal, a wrong key
/// and its validation message, the fix, an MQTT sink to a real mosquitto with a password, save, test-sinks,
/// restart through a stand-in systemctl that starts the real collector on the saved file; readings then arrive at
/// a subscriber. The screenshots are the ones in docs/ (set WEB_CONFIG_SCREENSHOTS to a folder to keep them).
@Suite("smartmeter-config serve: in a browser", .onOwnThread, .serialized)
struct WebConfiguratorBrowserTests {
    static let script = Configurator.packageRoot.appendingPathComponent("Tests/ConfiguratorTests/Browser/config_walk_test.py").path
    static let available = ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3", "/usr/bin/mosquitto_sub"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    } && FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/selenium")

    static var collector: String {
        URL(fileURLWithPath: Configurator.binary).deletingLastPathComponent().appendingPathComponent("smartmeter-datacollector").path
    }

    @Test("first setup in headless Chromium: login, detect, a wrong key fixed, an MQTT sink, save, restart, readings arrive",
          .enabled(if: available, "needs chromium, chromium-driver, python3-selenium and mosquitto-clients"))
    func firstSetup() throws {
        let broker = try MosquittoBroker(passwords: ["meter": "mqtt-secret-77"])
        defer { broker.stop() }
        let meter = try DetectCommandTests.MeterLine(speed: B2400, parity: "E", dataBits: 8,
                                                     chunks: try DetectCommandTests.frames("hdlc/lge450-encrypted-gbt.hex"))
        defer { meter.stop() }
        let work = try TestFolder()
        // The stand-in systemctl: restart (re)starts the real collector on the saved file, status shows its log.
        let systemctl = try work.write("systemctl", """
            #!/bin/sh
            case "$1" in
            restart)
                [ -f "\(work.file("collector.pid"))" ] && kill "$(cat "\(work.file("collector.pid"))")" 2>/dev/null
                # A Linux pty refuses (EINVAL) the collector's termios after detect configured it; a UART does not.
                stty -F "\(meter.terminal.slavePath)" sane
                "\(Self.collector)" -c "$CONFIG_FOR_STANDIN" > "\(work.file("collector.log"))" 2>&1 < /dev/null &
                echo $! > "\(work.file("collector.pid"))"
                exit 0 ;;
            status)
                echo "* smartmeter-datacollector.service - Smart meter data collector (stand-in)"
                echo "     Active: active (running)"
                tail -n 5 "\(work.file("collector.log"))"
                exit 0 ;;
            esac
            exit 1

            """)
        chmod(systemctl, 0o755)
        let server = try WebConfiguratorServer(environment: ["SMARTMETER_SYSTEMCTL": systemctl, "SMARTMETER_DEVICE_DIR": work.path])
        // The stand-in learns the file's path once the server's folder exists.
        try String(contentsOfFile: systemctl, encoding: .utf8).replacingOccurrences(of: "$CONFIG_FOR_STANDIN", with: server.config)
            .write(toFile: systemctl, atomically: true, encoding: .utf8)
        chmod(systemctl, 0o755)
        defer {
            if let pid = Int32(work.read("collector.pid").trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
        }

        let screenshots = ProcessInfo.processInfo.environment["WEB_CONFIG_SCREENSHOTS"] ?? work.path
        let browser = try RunningProcess("/usr/bin/python3", [
            Self.script, "--url", server.base + "/", "--password", WebConfiguratorServer.password,
            "--port", meter.terminal.slavePath, "--wrong-key", String(DetectCommandTests.e450Key.dropLast()),
            "--key", DetectCommandTests.e450Key, "--broker-port", String(broker.port), "--mqtt-user", "meter",
            "--mqtt-password", "mqtt-secret-77", "--screenshots", screenshots,
        ])
        let status = browser.waitForExit(timeout: 240)
        let log = browser.stdout.contents
        #expect(status == 0, "browser test output:\n\(log)\n\(browser.stderr.contents)\nserve:\n\(server.scratch.read("serve.log"))")
        for step in ["logged in", "detect proposed the reader", "validation message for a wrong key, then fixed",
                     "MQTT sink added and saved", "test-sinks", "restarted", "no browser errors"] {
            #expect(log.contains("ok: \(step)"), "\(step)")
        }
        if let pid = Int32(work.read("collector.pid").trimmingCharacters(in: .whitespacesAndNewlines)) { ProcessReaper.register(pid) }

        // The saved file: the detected port, the key, the sink with its password; readings reach a subscriber.
        let saved = try String(contentsOfFile: server.config, encoding: .utf8)
        #expect(saved.contains("port = \(meter.terminal.slavePath)"))
        #expect(saved.contains("key = \(DetectCommandTests.e450Key)"))
        #expect(saved.contains("password = mqtt-secret-77"))
        // mosquitto_sub as ChildProcess starts it: with the signal mask a -W timeout needs.
        let subscriber = try ChildProcess.spawn(["/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", String(broker.port),
                                                 "-u", "meter", "-P", "mqtt-secret-77", "-t", "smartmeter/#", "-v", "-C", "3", "-W", "30"],
                                                log: work.file("subscriber.log"))
        eventually(timeout: 40) { !ChildProcess.isRunning(subscriber) }
        if ChildProcess.isRunning(subscriber) { ChildProcess.signalAndWait(subscriber, SIGKILL) }
        let messages = work.read("subscriber.log")
        #expect(!messages.isEmpty, "collector log:\n\(work.read("collector.log"))")
        #expect(messages.split(separator: "\n").count == 3, "\(messages)\ncollector log:\n\(work.read("collector.log"))")
        #expect(messages.contains("\"obis\""), "\(messages)")
    }
}
