import Foundation
@testable import Protocols
import Testing
import TestThreads
@testable import Delivery
@testable import SystemSupport

/// Names planted where the collector writes (a symbolic link to another file, a FIFO) are refused, never followed
/// or blocked on: the appended files (CSV, JSON lines, backup) and the spool's files.
@Suite("Planted symbolic links and FIFOs", .onOwnThread)
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

    @Test("a folder another user owns and can write, or every user can write, is refused for spools and files",
          .enabled(if: geteuid() == 0, "chown to another user needs root"))
    func foreignFolder() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let nobody = getpwnam("nobody")!.pointee.pw_uid
        for (name, owner, mode) in [("nobody-0775", nobody, 0o775), ("nobody-0777", nobody, 0o777), ("ours-0777", 0, 0o777)] {
            let path = directory + "/" + name
            mkdir(path, 0o700)
            chown(path, owner, gid_t.max)
            chmod(path, mode_t(mode))
            #expect(throws: FileSystem.FailureReason.self) { try FileSystem.prepareFolder(path) }
            do {
                _ = try DiskSpool(directory: URL(fileURLWithPath: path), maximumBytes: 1 << 20)
                Issue.record("the spool accepted \(name)")
            } catch {
                #expect(error.description.hasPrefix("cannot use spool directory \(path): \(path) "), "\(error)")
                #expect(error.description.contains(owner == nobody ? "belongs to user nobody (uid \(nobody)), who can write it"
                                                                   : "can be written by every user"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: path + "/spool.dat"))
        }
        // Not writable by its owner, shared with the sticky bit, or our own: accepted.
        for (name, owner, mode) in [("nobody-0555", nobody, 0o555), ("sticky-1777", 0, 0o1777), ("ours-0750", 0, 0o750)] {
            let path = directory + "/" + name
            mkdir(path, 0o700)
            chown(path, owner, gid_t.max)
            chmod(path, mode_t(mode))
            try FileSystem.prepareFolder(path)
        }
    }
}
