import Foundation

/// A server process a test starts and stops (mosquitto, postgres), spawned with an empty signal mask and default
/// handlers: the test runner's threads block SIGTERM and SIGINT, and a child inherits its parent's mask, so without
/// this a clean shutdown signal would never reach it.
public enum ChildProcess {
    /// Starts `arguments[0]` with stdin from /dev/null and stdout+stderr appended to `log` (or /dev/null).
    public static func spawn(_ arguments: [String], log: String? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> pid_t {
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
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else: tests run side by side, and a descriptor another test holds at this moment (a listening
        // socket it is about to close, a pseudo-terminal) must not live on in this child.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &actions, &attributes, &argv, &envp)
        guard result == 0 else { throw Shell.Failure(description: "cannot start \(arguments[0]): \(result)") }
        ProcessReaper.register(child)
        return child
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not import.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np").map {
            unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
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
}
