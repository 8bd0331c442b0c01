import Foundation
import Synchronization

/// A real mosquitto broker on 127.0.0.1, started for a test with a generated configuration and stopped after it.
public final class MosquittoBroker {
    public let port: Int
    public let directory: URL
    private let configuration: String

    /// `listenerOptions` are extra lines for the listener (TLS files, require_certificate, ...).
    public init(listenerOptions: [String] = [], passwords: [String: String]? = nil, port: Int? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.port = port ?? FreePort.find()
        var lines = ["listener \(self.port) 127.0.0.1", "persistence false", "log_dest stderr", "log_type error"]
        // Started as root, mosquitto would switch to the mosquitto user and could not read the test's key files.
        if getuid() == 0 { lines.insert("user root", at: 0) }
        lines += listenerOptions
        if let passwords {
            let file = directory.appendingPathComponent("passwords")
            try Self.write(passwords, to: file)
            lines += ["allow_anonymous false", "password_file \(file.path)"]
        } else {
            lines += ["allow_anonymous true"]
        }
        configuration = lines.joined(separator: "\n") + "\n"
        try configuration.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    private var pid: pid_t = 0

    /// Replaces the password file of a broker made with `passwords`; a running broker reads it at `reload()`.
    public func writePasswords(_ passwords: [String: String]) throws {
        try Self.write(passwords, to: directory.appendingPathComponent("passwords"))
    }

    private static func write(_ passwords: [String: String], to file: URL) throws {
        try passwords.map { "\($0.key):\($0.value)" }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        try Shell.run("/usr/bin/mosquitto_passwd", ["-U", file.path])
    }

    /// SIGHUP: mosquitto reloads its configuration and password file; connected clients stay connected.
    public func reload() { if pid > 0 { Glibc.kill(pid, SIGHUP) } }

    /// Starts mosquitto (see `ChildProcess` for why not `Process`).
    public func start() throws {
        pid = try ChildProcess.spawn(["/usr/sbin/mosquitto", "-c", directory.appendingPathComponent("mosquitto.conf").path])
        try ChildProcess.waitUntilReady(pid, "mosquitto on port \(port)", timeout: 10) { FreePort.isListening(port) }
    }

    public var isRunning: Bool { ChildProcess.isRunning(pid) }

    /// Clean shutdown (SIGTERM), waiting for the process to exit.
    public func stop() { signalAndWait(SIGTERM) }

    /// A crash (SIGKILL).
    public func kill() { signalAndWait(SIGKILL) }

    private func signalAndWait(_ signal: Int32) {
        ChildProcess.signalAndWait(pid, signal)
        pid = 0
    }

    /// SIGSTOP / SIGCONT: a broker that stalls without closing connections.
    public func pause() { if pid > 0 { Glibc.kill(pid, SIGSTOP) } }
    public func resume() { if pid > 0 { Glibc.kill(pid, SIGCONT) } }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }
}

public enum FreePort {
    /// Ports handed out by this test process, never handed out twice.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that was free a moment ago. Taken below the kernel's ephemeral range
    /// (ip_local_port_range, 32768-60999 by default), so that no outgoing connection of a concurrent test can be
    /// given it as its source port while a broker or server restarts on it; never the same port twice in one run.
    public static func find() -> Int {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let port = Int.random(in: 20_000..<32_768, using: &generator)
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            if fresh && canBind(port) { return port }
        }
        fatalError("no free TCP port in 20000-32767 on 127.0.0.1")
    }

    private static func canBind(_ port: Int) -> Bool { onLoopback(port, bind) }

    public static func isListening(_ port: Int) -> Bool { onLoopback(port, connect) }

    /// `call` (bind or connect) on a fresh TCP socket with 127.0.0.1:`port`; whether it succeeded.
    private static func onLoopback(_ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
        let (descriptor, succeeded) = loopbackSocket(port, call)
        close(descriptor)
        return succeeded
    }

    /// A fresh TCP socket (close-on-exec) on which `call` (bind or connect) was made with 127.0.0.1:`port`, and
    /// whether it succeeded. The caller closes it.
    public static func loopbackSocket(_ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32)
        -> (descriptor: Int32, succeeded: Bool) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let succeeded = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        return (fd, succeeded)
    }
}

public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public init(description: String) { self.description = description }
        public let description: String
    }

    /// Runs a tool to its end (a minute at most) and returns its standard output and error, or throws with them when
    /// it fails.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
        let process = try RunningProcess(executable, arguments, directory: directory?.path)
        let status = process.waitForExit(timeout: 60)
        let text = process.stdout.contents + process.stderr.contents
        guard status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) failed (\(status.map(String.init) ?? "timed out")): \(text)")
        }
        return text
    }
}
