import Protocols
import SystemSupport

/// The files the CSV sink keeps open, at most `capacity`: opening one more closes the least recently used, so that
/// any number of meters (or of ids a meter makes up) never runs the process out of descriptors.
final class CSVOpenFiles {
    let capacity: Int
    private let directory: String
    private let header: String
    private var files: [String: (file: FileAppender, lastUse: Int)] = [:]
    private var clock = 0

    init(directory: String, header: String, capacity: Int) {
        self.directory = directory
        self.header = header
        self.capacity = max(1, capacity)
    }

    var openCount: Int { files.count }

    /// The open file `name` in the directory, opened (with the header when it is empty) if it is not.
    func file(named name: String) throws(FileSystem.FailureReason) -> FileAppender {
        clock += 1
        if let entry = files[name] {
            files[name]?.lastUse = clock
            return entry.file
        }
        if files.count >= capacity, let oldest = files.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            try? oldest.value.file.sync()
            oldest.value.file.close()
            files[oldest.key] = nil
        }
        let file = try FileAppender(path: directory + "/" + name)
        do {
            if file.size == 0 { try file.append(header) }
        } catch {
            file.close()
            throw error
        }
        files[name] = (file, clock)
        return file
    }

    /// Closes `name` after a failure, so that the next reading opens it afresh.
    func discard(_ name: String) {
        files.removeValue(forKey: name)?.file.close()
    }

    /// Syncs every open file; the first failure is thrown after trying all of them.
    func syncAll() throws(FileSystem.FailureReason) {
        var first: FileSystem.FailureReason?
        for (_, entry) in files {
            do {
                try entry.file.sync()
            } catch {
                first = first ?? error
            }
        }
        if let first { throw first }
    }

    func closeAll() {
        for (_, entry) in files { entry.file.close() }
        files = [:]
    }
}
