import Foundation
import TestSupport
import Testing
import TestThreads

/// `smartmeter-config restart` with a fake systemctl (SMARTMETER_SYSTEMCTL) and without one.
@Suite("smartmeter-config restart", .onOwnThread)
struct RestartCommandTests {
    let scratch: TestFolder
    let systemctl: String
    let config: String

    /// A systemctl that logs its arguments and answers as FAKE_SYSTEMCTL says: ok, missing, denied, nosystemd.
    init() throws {
        scratch = try TestFolder()
        systemctl = try scratch.write("systemctl", """
            #!/bin/sh
            echo "$@" >> "\(scratch.file("calls"))"
            case "$1:$FAKE_SYSTEMCTL" in
            restart:ok) exit 0 ;;
            restart:missing) echo "Failed to restart smartmeter-datacollector.service: Unit smartmeter-datacollector.service not found." >&2; exit 5 ;;
            restart:denied) echo "Failed to restart smartmeter-datacollector.service: Access denied" >&2; exit 4 ;;
            restart:nosystemd) echo "System has not been booted with systemd as init system (PID 1). Can't operate." >&2; exit 1 ;;
            status:*) echo "* smartmeter-datacollector.service - Smart meter data collector"
                      echo "     Active: active (running) since Sat 2026-11-21 11:50:00 UTC; 1s ago"
                      echo "Nov 21 11:50:00 pi smartmeter-datacollector[812]: reading lge450 on /dev/ttyUSB0 at 2400 8E1"
                      exit 0 ;;
            esac
            exit 1

            """)
        chmod(systemctl, 0o755)
        config = try scratch.write("c.ini", "[reader0]\ntype = lge450\nport = /dev/null\n[sink0]\ntype = logger\n")
    }

    func restart(_ mode: String?, _ extra: [String] = []) throws -> Configurator.Result {
        var environment = ["FAKE_SYSTEMCTL": mode ?? ""]
        environment["SMARTMETER_SYSTEMCTL"] = mode == nil ? scratch.file("no-systemctl") : systemctl
        return try Configurator.run(["restart", "-c", config] + extra, environment: environment)
    }

    @Test("restarts, then shows the status with the last log lines")
    func restarted() throws {
        let result = try restart("ok")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("restarted smartmeter-datacollector\n* smartmeter-datacollector.service"))
        #expect(result.stdout.contains("reading lge450 on /dev/ttyUSB0 at 2400 8E1"))
        #expect(scratch.read("calls") == """
            restart smartmeter-datacollector
            status --no-pager --full --lines=10 smartmeter-datacollector

            """)
    }

    @Test("not installed, not permitted, systemd absent, systemctl absent: exit 1 with what to do",
          arguments: [
            ("missing", "the service smartmeter-datacollector is not installed (install the smartmeter-datacollector Debian package, or run smartmeter-datacollector -c CONFIG yourself)"),
            ("denied", "not permitted to restart smartmeter-datacollector: run it with sudo (sudo smartmeter-config restart)"),
            ("nosystemd", "systemd is not available here (System has not been booted with systemd as init system (PID 1). Can't operate.); start the collector yourself: smartmeter-datacollector -c CONFIG"),
          ])
    func failures(_ mode: String, _ message: String) throws {
        let result = try restart(mode)
        #expect(result.status == 1)
        #expect(result.stderr == "smartmeter-config restart: " + message.replacingOccurrences(of: "CONFIG", with: config) + "\n")
        #expect(result.stdout == "")
    }

    @Test("without systemctl")
    func absent() throws {
        let result = try restart(nil)
        #expect(result.status == 1)
        #expect(result.stderr == "smartmeter-config restart: systemd is not available here (systemctl not found); start the collector yourself: smartmeter-datacollector -c \(config)\n")
    }

    @Test("an invalid configuration is not restarted into unless --force")
    func invalidConfiguration() throws {
        try "[reader0]\ntype = lge451\nport = /dev/null\n[sink0]\ntype = logger\n".write(toFile: config, atomically: true, encoding: .utf8)
        let refused = try restart("ok")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("[reader0] type: unknown meter type 'lge451'"))
        #expect(refused.stderr.hasSuffix("smartmeter-config restart: not restarted: the configuration has 1 problem (--force restarts anyway)\n"))
        #expect(scratch.read("calls") == "")
        #expect(try restart("ok", ["--force"]).status == 0)
    }
}
