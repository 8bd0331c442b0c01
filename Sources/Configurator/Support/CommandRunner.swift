import Glibc
import Protocols
import SystemSupport

/// Runs a program with standard input from /dev/null and both output streams captured, and waits for it
/// (posix_spawn and a pipe: what `systemctl` needs, without Foundation's Process).
enum CommandRunner {
    struct Run {
        var status: Int32
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String]) -> Run {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            return Run(status: 127, output: "cannot run \(executable): \(FileSystem.errorText())")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(pipeEnds[1])
        defer { close(pipeEnds[0]) }
        guard status == 0 else { return Run(status: 127, output: "cannot run \(executable): \(FileSystem.errorText(status))") }
        let output = FileSystem.readAll(pipeEnds[0])
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
        let exited = waitStatus & 0x7F == 0
        return Run(status: exited ? (waitStatus >> 8) & 0xFF : 128 + (waitStatus & 0x7F),
                   output: String(decoding: output, as: UTF8.self))
    }
}
