import Foundation
import Protocols
import Delivery

/// TimescaleDB for the tests that need the extension: the one installed in Debian's PostgreSQL 15, or, when
/// `TIMESCALEDB_SOURCE` names a source tarball, the one `scripts/timescaledb-for-tests` builds and installs from it
/// (once per machine: the build is cached). Without either those tests are skipped with `skipReason`.
public enum TimescaleDBForTests {
    public static let control = "/usr/share/postgresql/15/extension/timescaledb.control"
    public static let library = "/usr/lib/postgresql/15/lib/timescaledb.so"

    public static var isInstalled: Bool {
        FileManager.default.fileExists(atPath: control) && FileManager.default.fileExists(atPath: library)
    }

    /// Installed, or built and installed now from `TIMESCALEDB_SOURCE` (minutes the first time on a machine).
    /// `TIMESCALEDB_TESTS=off` leaves the TimescaleDB cases out even where it is installed.
    public static let isAvailable: Bool = {
        guard PostgresServer.isInstalled else { return false }
        if ProcessInfo.processInfo.environment["TIMESCALEDB_TESTS"] == "off" { return false }
        if isInstalled { return true }
        guard let source = ProcessInfo.processInfo.environment["TIMESCALEDB_SOURCE"], !source.isEmpty else { return false }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/timescaledb-for-tests").path
        do {
            // Its progress goes to the test run's output, as the build can take minutes.
            let pid = try ChildProcess.spawn([script, source], stdout: .inherited, stderr: .inherited)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return status == 0 && isInstalled
        } catch {
            FileHandle.standardError.write(Data("timescaledb-for-tests: \(error)\n".utf8))
            return false
        }
    }()

    public static let skipReason = """
        TimescaleDB is not installed: set TIMESCALEDB_SOURCE to its source tarball (e.g. \
        timescaledb-2.28.3.tar.gz, the source of a release; scripts/timescaledb-for-tests builds it) or install \
        timescaledb-2-postgresql-15
        """
}

extension TimescaleDBForTests {
    /// Unschedules every policy job of the database and waits until none is running, so that a test can run them,
    /// refresh and compress by hand without "concurrent refresh" errors or a retention racing its refresh.
    public static func pauseJobs(_ connection: PostgresConnection) throws {
        try connection.execute("""
            SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000
            """)
        eventually(timeout: 30) {
            (try? connection.execute("""
                SELECT 1 FROM timescaledb_information.job_stats WHERE job_id >= 1000 AND job_status = 'Running'
                """).isEmpty) ?? true
        }
    }
}
