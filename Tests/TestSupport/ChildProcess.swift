import Foundation

/// The one way a test starts a process (servers, socat, collectors, configurators, browsers, scripts): `posix_spawn`
/// with an empty signal mask and default handlers (the test runner's threads block SIGTERM and SIGINT, and a child
/// inherits its parent's mask, so without this a clean shutdown signal would never reach it), every descriptor above
/// 2 closed in the child, and the child registered with `ProcessReaper`. `RunningProcess` adds collected output and
/// waits on top of it.
public enum ChildProcess {
    /// What one of the child's standard descriptors is.
    public enum Stream: Sendable {
        /// /dev/null.
        case null
        /// A file, created when missing, written at its end.
        case append(String)
        /// A descriptor of this process (a pipe's end, a pseudo-terminal), duplicated into the child.
        case descriptor(Int32)
        /// The same as the child's standard output (for standard error).
        case standardOutput
        /// This process's own.
        case inherited
    }

    /// Starts `arguments[0]` (an absolute path) with stdin from /dev/null and stdout+stderr appended to `log` (or
    /// /dev/null).
    public static func spawn(_ arguments: [String], log: String? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> pid_t {
        try spawn(arguments, stdout: log.map(Stream.append) ?? .null, environment: environment)
    }

    /// Starts `arguments[0]` (an absolute path) with the given standard descriptors, environment and working
    /// directory. `reaped: false` only for the reaper's own watchdog.
    public static func spawn(_ arguments: [String], stdin: Stream = .null, stdout: Stream = .null,
                             stderr: Stream = .standardOutput,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             directory: String? = nil, reaped: Bool = true) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The descriptors handed in may be 0, 1 or 2 of no one else: duplicated above 2 first, then into place.
        let streams = [stdin, stdout, stderr]
        for (target, stream) in streams.enumerated() {
            let target = Int32(target)
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .append(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o666)
            case .descriptor(let descriptor):
                posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&actions, 1, target)
            case .inherited:
                break
            }
        }
        // Nothing else: tests run side by side, and a descriptor another test holds at this moment (a listening
        // socket it is about to close, a pseudo-terminal, a pipe Foundation made without close-on-exec) must not
        // live on in this child. (glibc ignores closing a descriptor that is not open.)
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            for descriptor in Int32(3)..<1024 { posix_spawn_file_actions_addclose(&actions, descriptor) }
        }
        if let directory {
            guard let changeDirectory = Self.addChangeDirectory else {
                throw Shell.Failure(description: "posix_spawn_file_actions_addchdir_np is missing (glibc older than 2.29)")
            }
            _ = changeDirectory(&actions, directory)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &actions, &attributes, &argv, &envp)
        guard result == 0 else {
            throw Shell.Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        if reaped { ProcessReaper.register(child) }
        return child
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later) and `..._addchdir_np` (2.29 and later),
    /// which Swift's Glibc module does not import.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np").map {
            unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }
    private static let addChangeDirectory: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                            UnsafePointer<CChar>) -> Int32)? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np").map {
            unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                   UnsafePointer<CChar>) -> Int32).self)
        }

    /// Waits until `ready` holds (a server listens, answers), for `timeout` seconds at most and only while the child
    /// runs; throws "<what> did not start" with `details` otherwise.
    public static func waitUntilReady(_ pid: pid_t, _ what: String, timeout: Double, details: @autoclosure () -> String = "",
                                      _ ready: () -> Bool) throws {
        var isReady = false
        eventually(timeout: timeout) {
            isReady = ready()
            return isReady || !isRunning(pid)
        }
        guard isReady || ready() else { throw Shell.Failure(description: "\(what) did not start. \(details())") }
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Sends `signal` (after SIGCONT, in case the child was paused) and waits for the exit.
    public static func signalAndWait(_ pid: pid_t, _ signal: Int32) {
        guard pid > 0 else { return }
        kill(pid, SIGCONT)
        kill(pid, signal)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// A pipe whose two ends are close-on-exec (a child gets an end only through a `Stream`; Swift's Glibc has no
    /// `pipe2`, and a child spawned here in between closes every descriptor above 2 anyway).
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw Shell.Failure(description: "pipe: errno \(errno)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }
}
