import Foundation
import Glibc
import Configuration
import Protocols
import Testing
import TestSupport
import TestThreads

/// The collector accepts exactly what `smartmeter-config validate` accepts: both run `ConfigurationRules`. Each
/// configuration below was valid for one and not for the other (a folder or FIFO as `file`, a regular file as
/// `port`, MQTT names with wildcards, a value cut by `#`); now the collector exits 2 at once with the very lines
/// `validate` prints, instead of exiting 0, hanging, retrying for ever or failing later.
@Suite("The collector and validate share one set of rules", .onOwnThread)
struct OneRuleSetTests {
    static let configBinary = URL(fileURLWithPath: collectorBinary).deletingLastPathComponent().path + "/smartmeter-config"
    static let capture = testdata.appendingPathComponent("lge450-gbt-vse2026.hex").path

    enum Case: String, CaseIterable {
        case folderAsFile, fifoAsFile, regularFileAsPort, wildcardTopic, wildcardClientID, topicCutByComment

        func configuration(in directory: TestFolder) throws -> String {
            let mqtt = "[sink0]\ntype = mqtt\nhost = 127.0.0.1\nport = 1\nspool_dir = \(directory.file("spool"))\n"
            let fileReader = "[reader0]\ntype = lge450\nfile = \(OneRuleSetTests.capture)\n"
            switch self {
            case .folderAsFile:
                return "[reader0]\ntype = lge450\nfile = \(directory.path)\n[sink0]\ntype = logger\n"
            case .fifoAsFile:
                mkfifo(directory.file("meter.fifo"), 0o600)
                return "[reader0]\ntype = lge450\nfile = \(directory.file("meter.fifo"))\n[sink0]\ntype = jsonl\nfile = \(directory.file("out.jsonl"))\n"
            case .regularFileAsPort:
                return "[reader0]\ntype = lge450\nport = \(OneRuleSetTests.capture)\n[sink0]\ntype = logger\n"
            case .wildcardTopic:
                return fileReader + mqtt + "topic_prefix = a+b\n"
            case .wildcardClientID:
                return fileReader + mqtt + "client_id = meter+1\n"
            case .topicCutByComment:
                return fileReader + mqtt + "topic_prefix = home/#\n"
            }
        }
    }

    @Test("the collector exits 2 with the lines validate prints", arguments: Case.allCases)
    func same(_ example: Case) throws {
        let directory = try TestFolder()
        let path = try directory.write("c.ini", try example.configuration(in: directory))
        chmod(path, 0o600)
        let collector = try runCollector(["-c", path], timeout: 10)
        #expect(collector.status == 2, "\(collector.stderr)")
        let collectorLines = collector.stderr.split(separator: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        let validate = try RunningProcess(Self.configBinary, ["validate", "-c", path], environment: collectorEnvironment())
        #expect(validate.waitForExit(timeout: 10) == 1)
        let validateLines = validate.stdout.contents.split(separator: "\n").dropLast().map(String.init)
        #expect(!collectorLines.isEmpty)
        #expect(collectorLines == validateLines, "collector: \(collector.stderr)\nvalidate: \(validate.stdout.contents)")
        #expect(collectorLines.allSatisfy { $0.hasPrefix("\(path):") && ($0.contains("[reader0] ") || $0.contains("[sink0] ")) })
    }

    @Test("a CSV folder another user owns and can write stops the collector (exit 1) with the reason",
          .enabled(if: geteuid() == 0, "chown to another user needs root"))
    func foreignCSVFolder() throws {
        let directory = try TestFolder()
        let csv = directory.file("csv")
        mkdir(csv, 0o775)
        chown(csv, getpwnam("nobody")!.pointee.pw_uid, gid_t.max)
        chmod(csv, 0o775)
        let path = try directory.write("c.ini", "[reader0]\ntype = lge450\nfile = \(Self.capture)\n[sink0]\ntype = csv\ndirectory = \(csv)\n")
        let collector = try runCollector(["-c", path], timeout: 10)
        #expect(collector.status == 1, "\(collector.stderr)")
        #expect(collector.stderr.contains("cannot use directory \(csv): \(csv) belongs to user nobody"), "\(collector.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: csv).isEmpty)
    }

    @Test("an MQTT sink without spool_dir spools in the XDG state folder (no STATE_DIRECTORY), not the working directory")
    func defaultSpool() throws {
        let directory = try TestFolder()
        let work = directory.file("work"), state = directory.file("state")
        mkdir(work, 0o755)
        let path = try directory.write("c.ini", "[reader0]\ntype = lge450\nfile = \(Self.capture)\n[sink0]\ntype = mqtt\nhost = 127.0.0.1\nport = 1\n")
        let running = try launchCollector(["-c", path], environment: ["STATE_DIRECTORY": "", "XDG_STATE_HOME": state], directory: work)
        defer { _ = running.waitForExit(timeout: 0.1) }
        let spool = state + "/smartmeter-datacollector/spool/sink0/spool.dat"
        #expect(eventually(timeout: 10) { FileManager.default.fileExists(atPath: spool) }, "\(running.stderr.contents)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty)
    }

    @Test("a replayed file that passes the checks but cannot be read (/proc/self/mem: EIO) ends the collector with 1, not 0")
    func unreadableFile() throws {
        let directory = try TestFolder()
        let path = try directory.write("c.ini", "[reader0]\ntype = lge450\nfile = /proc/self/mem\n[sink0]\ntype = logger\n")
        let collector = try runCollector(["-c", path], timeout: 10)
        #expect(collector.status == 1, "\(collector.stderr)")
        #expect(collector.stderr.contains("/proc/self/mem"), "\(collector.stderr)")
    }
}
