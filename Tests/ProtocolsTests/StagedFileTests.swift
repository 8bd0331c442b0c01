import FoundationEssentials
import Glibc
import Protocols
import Testing
import TestThreads
import SystemSupport

/// `StagedFile`: created private and exclusively beside its target, then renamed over it.
@Suite("Staged files", .onOwnThread)
struct StagedFileTests {
    /// A fresh folder under /tmp for one test.
    struct Folder {
        let path: String
        init() throws {
            var template = Array("/tmp/staged-test-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
            path = String(cString: made)
        }
        func file(_ name: String) -> String { path + "/" + name }
        func remove() { _ = system("rm -rf '\(path)'") }
    }

    func mode(_ path: String) -> mode_t {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
    }

    @Test("the temporary file is 0600 and in the target's folder; commit gives a new file its mode, an old one keeps its own")
    func modes() throws {
        let directory = try Folder()
        defer { directory.remove() }
        let target = directory.file("c.ini")
        let staged = try StagedFile(for: target)
        #expect(staged.path.hasPrefix(directory.file(".c.ini.tmp-")))
        #expect(mode(staged.path) == 0o600)
        try staged.write("one\n")
        try staged.commit(mode: 0o640)
        #expect(mode(target) == 0o640)
        #expect(access(staged.path, F_OK) != 0)
        chmod(target, 0o600)
        try FileSystem.writeAtomically("two\n", to: target, mode: 0o644)
        #expect(mode(target) == 0o600)
        #expect(FileSystem.contents(of: target) == Array("two\n".utf8))
    }

    @Test("a symbolic link at the target is replaced, not written through; discard leaves nothing")
    func symbolicLinkReplaced() throws {
        let directory = try Folder()
        defer { directory.remove() }
        let victim = directory.file("victim")
        _ = FileSystem.writeAll(open(victim, O_WRONLY | O_CREAT, 0o644), "victim\n")
        let target = directory.file("c.ini")
        symlink(victim, target)
        try FileSystem.writeAtomically("new\n", to: target, mode: 0o640)
        #expect(FileSystem.contents(of: victim) == Array("victim\n".utf8))
        #expect(FileSystem.contents(of: target) == Array("new\n".utf8))
        let staged = try StagedFile(for: target)
        staged.discard()
        #expect(access(staged.path, F_OK) != 0)
    }
}
