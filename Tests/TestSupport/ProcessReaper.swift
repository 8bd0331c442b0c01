import Foundation
import Synchronization

/// Makes sure that no process a test starts (broker, database server, socat, collector) outlives the test run, also
/// when the run crashes or is killed with SIGKILL, which no `defer` or `deinit` survives.
///
/// The first registration starts a watchdog: a small bash process whose standard input is one end of a socket pair whose other end
/// this process holds (close-on-exec, so no child inherits it). Every registered pid is written to it; the
/// watchdog notes the process's start time (so that a recycled pid is never hit). When its input ends,
/// because this process exited for whatever reason, the watchdog kills every registered process that is still the
/// same process, with all its descendants, and exits. It ignores the terminal's SIGINT, SIGHUP and SIGTERM so that
/// a Ctrl-C of `swift test` does not stop it before its work.
///
/// `swift test` runs the test bundle as its child: when `swift test` itself is killed, the bundle would go on alone.
/// A watcher thread notices that its parent changed and ends this process, which lets the watchdog do its work.
public enum ProcessReaper {
    /// Registers a started child; call it right after the spawn.
    public static func register(_ pid: pid_t) {
        guard pid > 0 else { return }
        state.withLock { state in
            guard let descriptor = state.descriptor() else { return }
            let line = Array("\(pid)\n".utf8)
            _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        }
    }

    /// The pid of the watchdog, once started (for the tests of this mechanism).
    public static var watchdogPID: pid_t { state.withLock { $0.watchdog } }

    private final class State: @unchecked Sendable {
        var writeEnd: Int32 = -1
        var watchdog: pid_t = 0
        var failed = false

        func descriptor() -> Int32? {
            if writeEnd >= 0 { return writeEnd }
            guard !failed else { return nil }
            do {
                try start()
                return writeEnd
            } catch {
                failed = true
                FileHandle.standardError.write(Data("ProcessReaper: cannot start the watchdog: \(error)\n".utf8))
                return nil
            }
        }

        private func start() throws {
            var ends: [Int32] = [0, 0]
            // A socket pair: it can be made close-on-exec atomically (a plain pipe() would leave a window in which
            // another thread's child inherits the write end and keeps the watchdog waiting).
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                throw Shell.Failure(description: "socketpair: errno \(errno)")
            }
            // --norc: bash reads ~/.bashrc when its standard input is a socket, unless told not to. Through
            // ChildProcess: no descriptor but the socket's end lives on in the watchdog (a pipe another test was
            // creating at this moment would stay open in it, and that test would never see the end of its child's
            // output).
            let arguments = ["/bin/bash", "--norc", "--noprofile", "-c", ProcessReaper.script, "smartmeter-test-reaper"]
            let child: pid_t
            do {
                child = try ChildProcess.spawn(arguments, stdin: .descriptor(ends[0]), stdout: .null, stderr: .inherited,
                                               environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], reaped: false)
            } catch {
                close(ends[0])
                close(ends[1])
                throw error
            }
            close(ends[0])
            watchdog = child
            writeEnd = ends[1]
            ProcessReaper.watchParent()
        }
    }

    private static let state = Mutex(State())

    /// Ends this process when its parent goes away (it is re-parented), so that the watchdog cleans up.
    private static func watchParent() {
        let parent = getppid()
        guard parent > 1 else { return }
        let thread = Thread {
            while true {
                sleep(1)
                if getppid() != parent {
                    FileHandle.standardError.write(Data("test run: the parent process \(parent) is gone; stopping\n".utf8))
                    _exit(70)
                }
            }
        }
        thread.name = "parent-watch"
        thread.start()
    }

    /// The watchdog. Reads pids until end of input, then kills the registered processes that are still the ones
    /// registered (same start time in /proc) and all their descendants, with SIGKILL (a stopped process too).
    static let script = #"""
        trap '' INT TERM HUP QUIT PIPE
        started() { local s; read -r s 2>/dev/null < "/proc/$1/stat" || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
        declare -A start
        while read -r pid; do
            if t=$(started "$pid"); then start[$pid]=$t; fi
        done
        victims=()
        for pid in "${!start[@]}"; do
            [ "$(started "$pid")" = "${start[$pid]}" ] && victims+=("$pid")
        done
        [ ${#victims[@]} -eq 0 ] && exit 0
        declare -A children
        for stat in /proc/[0-9]*/stat; do
            read -r s 2>/dev/null < "$stat" || continue
            p=${s%% *}; s=${s##*) }; set -- $s
            children[$2]+=" $p"
        done
        all=()
        queue=("${victims[@]}")
        while [ ${#queue[@]} -gt 0 ]; do
            p=${queue[0]}; queue=("${queue[@]:1}")
            all+=("$p")
            for c in ${children[$p]}; do queue+=("$c"); done
        done
        kill -KILL "${all[@]}" 2>/dev/null
        exit 0
        """#
}
