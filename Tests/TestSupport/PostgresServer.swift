import Foundation
import Protocols
import Delivery

/// A real PostgreSQL 15 (Debian's binaries) in a temporary folder, listening on a free port on 127.0.0.1 and on a
/// unix socket in that folder, started for a test and removed after it. The superuser `postgres` has the password
/// `secret` over TCP (scram-sha-256); the unix socket trusts every user.
///
/// `fsync = off` for speed, but commits stay synchronous: a crash of the server process (not of the machine) loses
/// no committed transaction, which the spool tests rely on.
///
/// PostgreSQL refuses to run as root: as root (CI), initdb and the server run as `nobody` through `setpriv`, and
/// the folder belongs to nobody.
public final class PostgresServer {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    public static let password = "secret"

    /// A collector's `[sink<index>]` into this server as its superuser, without TLS, spooling in `spool`.
    public func sinkSection(_ index: Int, type: String = "postgresql", spool: String) -> String {
        Ini.sink(index, type, ["host": "127.0.0.1", "port": port, "user": "postgres", "password": Self.password,
                               "sslmode": "disable", "spool_dir": spool])
    }
    public let port: Int
    public let directory: URL
    public var dataDirectory: URL { directory.appendingPathComponent("data") }
    private var pid: pid_t = 0

    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binaries + "/postgres") }

    /// `preloadTimescaleDB`: `shared_preload_libraries = 'timescaledb'` (see `TimescaleDBForTests`), without
    /// telemetry; the extension is created by whoever needs it (the sink does).
    public init(port: Int? = nil, preloadTimescaleDB: Bool = false) throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("postgres-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.port = port ?? FreePort.find()
        try directory.appendingPathComponent("password").path.write(Self.password + "\n")
        if getuid() == 0 { _ = chown(directory.path, 65534, 65534); _ = chown(directory.path + "/password", 65534, 65534) }
        // One initdb per test process (about a second of CPU each, dozens of servers per run); each server copies it.
        try run(["/bin/cp", "-a", try Self.template.get(), dataDirectory.path])
        let settings = """
            listen_addresses = '127.0.0.1'
            port = \(self.port)
            unix_socket_directories = '\(directory.path)'
            fsync = off
            full_page_writes = off
            logging_collector = off
            log_min_messages = warning
            """ + (preloadTimescaleDB ? "\nshared_preload_libraries = 'timescaledb'\ntimescaledb.telemetry_level = off" : "")
        try (dataDirectory.appendingPathComponent("postgresql.conf").path).append("\n" + settings + "\n")
        try start()
        try createDatabase("premises")
    }

    /// The data folder every server of this test process starts from: made by initdb once, removed when the process
    /// exits (a folder left by a killed run is removed by the next one).
    private static let template: Result<String, Shell.Failure> = {
        let root = "/tmp/postgres-template-\(getpid())"
        removeStaleTemplates()
        do {
            try? FileManager.default.removeItem(atPath: root)
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try (root + "/password").write(password + "\n")
            if getuid() == 0 { _ = chown(root, 65534, 65534); _ = chown(root + "/password", 65534, 65534) }
            let command = [binaries + "/initdb", "-D", root + "/data", "-U", "postgres", "--pwfile", root + "/password",
                           "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
                           "--no-sync"]
            var environment = ProcessInfo.processInfo.environment
            environment["LC_ALL"] = "C.UTF-8"
            environment.removeValue(forKey: "PGDATA")
            let child = try ChildProcess.spawn(getuid() == 0 ? runAsNobody + command : command, log: root + "/initdb.log",
                                               environment: environment)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            guard status == 0 else {
                let log = (try? String(contentsOfFile: root + "/initdb.log", encoding: .utf8)) ?? ""
                return .failure(Shell.Failure(description: "initdb failed (\(status)): \(log)"))
            }
            atexit { try? FileManager.default.removeItem(atPath: "/tmp/postgres-template-\(getpid())") }
            return .success(root + "/data")
        } catch {
            return .failure(Shell.Failure(description: "cannot prepare the PostgreSQL template in \(root): \(error)"))
        }
    }()

    private static func removeStaleTemplates() {
        let prefix = "postgres-template-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix(prefix) {
            guard let owner = pid_t(name.dropFirst(prefix.count)), owner != getpid(),
                  kill(owner, 0) != 0 && errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: "/tmp/" + name)
        }
    }

    private static let runAsNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]

    /// Libpq keywords for the premises database over TCP as `postgres`.
    public var settings: PostgresSettings {
        PostgresSettings(host: "127.0.0.1", port: port, database: "premises", user: "postgres", password: Self.password,
                         sslmode: "disable")
    }

    public func connect(database: String = "premises") throws -> PostgresConnection {
        var settings = self.settings
        settings.database = database
        return try settings.connect()
    }

    public func createDatabase(_ name: String) throws {
        let connection = try connect(database: "postgres")
        defer { connection.close() }
        try connection.execute("CREATE DATABASE \(name)")
    }

    /// The rows of a query on the premises database.
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        let connection = try connect()
        defer { connection.close() }
        return try connection.execute(sql, parameters)
    }

    public func start() throws {
        pid = try spawn(command([Self.binaries + "/postgres", "-D", dataDirectory.path]))
        try ChildProcess.waitUntilReady(pid, "postgres on port \(port)", timeout: 20) {
            (try? connect(database: "postgres")).map { connection in connection.close(); return true } ?? false
        }
    }

    public var isRunning: Bool { ChildProcess.isRunning(pid) }

    /// Adds TimescaleDB to `shared_preload_libraries`; takes effect at the next `start()`.
    public func preloadTimescaleDBAtNextStart() throws {
        try dataDirectory.appendingPathComponent("postgresql.conf").path
            .append("\nshared_preload_libraries = 'timescaledb'\ntimescaledb.telemetry_level = off\n")
    }

    /// Fast shutdown (SIGINT): clients are disconnected, then the server exits.
    public func stop() { signalAndWait(SIGINT) }

    /// Immediate shutdown (SIGQUIT): no checkpoint, like a crash; recovery runs at the next start.
    public func crash() { signalAndWait(SIGQUIT) }

    private func signalAndWait(_ signal: Int32) {
        ChildProcess.signalAndWait(pid, signal)
        pid = 0
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// As root, run as nobody.
    private func command(_ arguments: [String]) -> [String] {
        getuid() == 0 ? Self.runAsNobody + arguments : arguments
    }

    private func run(_ arguments: [String]) throws {
        let child = try spawn(command(arguments))
        var status: Int32 = 0
        waitpid(child, &status, 0)
        guard status == 0 else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw Shell.Failure(description: "\(arguments[0]) failed (\(status)): \(log)")
        }
    }

    /// Starts a child in the folder with an empty signal mask, its output appended to server.log.
    private func spawn(_ arguments: [String]) throws -> pid_t {
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C.UTF-8"
        environment.removeValue(forKey: "PGDATA")
        return try ChildProcess.spawn(arguments, log: directory.appendingPathComponent("server.log").path,
                                      environment: environment)
    }
}

private extension String {
    func write(_ text: String) throws { try text.write(toFile: self, atomically: true, encoding: .utf8) }

    func append(_ text: String) throws {
        guard let handle = FileHandle(forWritingAtPath: self) else { throw Shell.Failure(description: "cannot open \(self)") }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
    }
}
