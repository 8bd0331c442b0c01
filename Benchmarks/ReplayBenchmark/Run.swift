import Foundation

/// One run of a program to its end: wall time and peak resident set, as `/usr/bin/time -f %M` reports it (a child
/// spawned from this large process would inherit its high-water mark in `ru_maxrss`; `time` is small).
struct Run {
    var seconds: Double
    /// User and system CPU time of the program (through `time`, which waits for it).
    var cpuSeconds: Double
    var peakKB: Int
    var status: Int32
    var stderr: String

    /// Runs `arguments` with standard output into `stdout` (a path), standard error into a temporary file.
    static func start(_ arguments: [String], stdout: String = "/dev/null") throws -> Run {
        let errPath = NSTemporaryDirectory() + "replay-bench-\(getpid()).err"
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let rssPath = NSTemporaryDirectory() + "replay-bench-\(getpid()).rss"
        let arguments = ["/usr/bin/time", "-f", "%M", "-o", rssPath] + arguments
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = now()
        let code = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard code == 0 else { throw BenchmarkError("cannot start \(arguments[0]): \(String(cString: strerror(code)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = now() - started
        let log = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        unlink(errPath)
        let peak = Int(((try? String(contentsOfFile: rssPath, encoding: .utf8)) ?? "").split(separator: "\n").last ?? "") ?? 0
        unlink(rssPath)
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return Run(seconds: seconds, cpuSeconds: cpu, peakKB: peak, status: exit, stderr: log)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
