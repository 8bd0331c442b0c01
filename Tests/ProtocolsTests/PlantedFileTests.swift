import Foundation
@testable import Protocols
import Testing

/// Names planted where the collector writes (a symbolic link to another file, a FIFO) are refused, never followed
/// or blocked on: the appended files (CSV, JSON lines, backup) and the spool's files.
@Suite("Planted symbolic links and FIFOs")
struct PlantedFileTests {
    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("planted-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test("FileAppender refuses a symbolic link (the target untouched, also with truncate), a FIFO and a folder")
    func appender() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let victim = directory + "/victim"
        try "keep\n".write(toFile: victim, atomically: false, encoding: .utf8)
        symlink(victim, directory + "/readings.jsonl")
        for truncate in [false, true] {
            do {
                try FileAppender(path: directory + "/readings.jsonl", truncate: truncate).close()
                Issue.record("a symbolic link was opened")
            } catch {
                #expect(error.text == "cannot open \(directory)/readings.jsonl: a symbolic link, which is not followed")
            }
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
        mkfifo(directory + "/fifo.csv", 0o644)
        #expect(throws: FileSystem.FailureReason.self) { try FileAppender(path: directory + "/fifo.csv").close() }
        #expect(throws: FileSystem.FailureReason.self) { try FileAppender(path: directory).close() }
        // A stream sink may write a device, never through a link.
        try FileAppender(path: "/dev/null", accepting: .regularOrStream).close()
        #expect(throws: FileSystem.FailureReason.self) { try FileAppender(path: "/dev/null").close() }
        #expect(throws: FileSystem.FailureReason.self) {
            try FileAppender(path: directory + "/readings.jsonl", accepting: .regularOrStream).close()
        }
        let good = try FileAppender(path: directory + "/good.csv", truncate: true)
        try good.append("a\n")
        good.close()
        let again = try FileAppender(path: directory + "/good.csv")
        try again.append("b\n")
        again.close()
        #expect(try String(contentsOfFile: directory + "/good.csv", encoding: .utf8) == "a\nb\n")
    }

    @Test("the spool refuses a planted spool.head.tmp link and a FIFO as spool.dat; folders it creates are 0750")
    func spool() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let victim = directory + "/victim"
        try "keep\n".write(toFile: victim, atomically: false, encoding: .utf8)
        let spoolFolder = URL(fileURLWithPath: directory + "/a/spool")
        let spool = try DiskSpool(directory: spoolFolder, maximumBytes: 1 << 20)
        var info = stat()
        stat(directory + "/a", &info)
        #expect(info.st_mode & 0o777 == 0o750)
        symlink(victim, spoolFolder.path + "/spool.head.tmp")
        try spool.append([Array("one".utf8)])
        #expect(throws: DiskSpool.Failure.self) { try spool.writeHead() }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
        let other = directory + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: false)
        mkfifo(other + "/spool.dat", 0o600)
        #expect(throws: DiskSpool.Failure.self) { _ = try DiskSpool(directory: URL(fileURLWithPath: other), maximumBytes: 1 << 20) }
    }
}
