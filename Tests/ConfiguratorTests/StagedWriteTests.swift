import Foundation
import TestSupport
import Testing
import TestThreads

/// The configurator never copies the configuration (with its keys and passwords) to /tmp: an edit is written to a
/// private file beside the configuration, checked from there and renamed over it, or removed when refused.
@Suite("smartmeter-config writes beside the file, never in /tmp", .onOwnThread)
struct StagedWriteTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    static let file = "[reader0]\ntype = lge450\nport = /dev/null\n[sink0]\ntype = csv\ndirectory = /tmp\n"

    func leftovers(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.contains(".tmp-") }
    }

    @Test("set, add-sink and a refused set leave nothing in TMPDIR nor beside the file; the file keeps its mode")
    func nothingInTemporaryFolder() throws {
        let path = try scratch.write("c.ini", Self.file)
        chmod(path, 0o600)
        let watched = scratch.file("tmpdir")
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        let environment = ["TMPDIR": watched]
        let set = try Configurator.run(["set", "-c", path, "reader0.key=0123456789ABCDEF0123456789ABCDEF"],
                                       environment: environment)
        #expect(set.status == 0, "\(set.stderr)")
        let added = try Configurator.run(["add-sink", "-c", path, "--type", "csv", "directory=/var/tmp"],
                                         environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        let refused = try Configurator.run(["set", "-c", path, "reader0.key=12"], environment: environment)
        #expect(refused.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: watched).isEmpty)
        #expect(leftovers(scratch.path).isEmpty, "\(leftovers(scratch.path))")
        #expect(scratch.mode("c.ini") == 0o600)
        #expect(scratch.read("c.ini").contains("key = 0123456789ABCDEF0123456789ABCDEF"))
    }

    @Test("an edit works with TMPDIR unusable (the old copy in /tmp failed there)")
    func unusableTemporaryFolder() throws {
        let path = try scratch.write("c.ini", Self.file)
        let result = try Configurator.run(["set", "-c", path, "sink0.directory=/var/tmp"],
                                          environment: ["TMPDIR": "/nonexistent/tmp"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scratch.read("c.ini").contains("directory = /var/tmp"))
    }
}
