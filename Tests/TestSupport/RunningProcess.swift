import Foundation
import Synchronization

/// A child started through `ChildProcess` whose standard output and error are collected as they arrive (each by a
/// thread of its own, so a full pipe never blocks the child), with waits on its exit and on the end of its output.
public final class RunningProcess: Sendable {
    public let pid: pid_t
    public let stdout: OutputCollector
    public let stderr: OutputCollector
    private let exit = Mutex<(code: Int32, bySignal: Bool)?>(nil)
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `executable` with `environment` as the whole environment. `stdin` is written and closed at once (nil:
    /// /dev/null); `standardOutput` replaces the collected output, `terminal` (a pseudo-terminal's slave) all three
    /// standard descriptors (the collectors then read nothing).
    public init(_ executable: String, _ arguments: [String],
                environment: [String: String] = ProcessInfo.processInfo.environment, directory: String? = nil,
                stdin: String? = nil, standardOutput: ChildProcess.Stream? = nil, terminal: Int32? = nil) throws {
        let out = try ChildProcess.pipe(), err = try ChildProcess.pipe()
        let input = try stdin.map { _ in try ChildProcess.pipe() }
        defer { close(out.write); close(err.write) }
        do {
            pid = try ChildProcess.spawn([executable] + arguments,
                                         stdin: terminal.map(ChildProcess.Stream.descriptor) ?? input.map { .descriptor($0.read) } ?? .null,
                                         stdout: terminal.map(ChildProcess.Stream.descriptor) ?? standardOutput ?? .descriptor(out.write),
                                         stderr: .descriptor(terminal ?? err.write),
                                         environment: environment, directory: directory)
        } catch {
            [out.read, err.read, input?.read, input?.write].compactMap { $0 }.forEach { close($0) }
            throw error
        }
        stdout = OutputCollector(reading: out.read)
        stderr = OutputCollector(reading: err.read)
        if let input, let stdin {
            close(input.read)
            let bytes = Array(stdin.utf8)
            _ = bytes.withUnsafeBytes { write(input.write, $0.baseAddress, $0.count) }
            close(input.write)
        }
        Thread.detachNewThread { self.reap() }
    }

    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // The exit code, or the signal's number for a child a signal ended (as Foundation's Process reports it).
        let bySignal = status & 0x7F != 0
        exit.withLock { $0 = (bySignal ? status & 0x7F : (status >> 8) & 0xFF, bySignal) }
        exited.signal()
    }

    public var isRunning: Bool { exit.withLock { $0 == nil } }

    /// The exit code (a signal's number when one ended it), nil while it runs.
    public var status: Int32? { exit.withLock { $0?.code } }

    /// Whether a signal ended it (false while it runs).
    public var endedBySignal: Bool { exit.withLock { $0?.bySignal ?? false } }

    /// Waits for the exit up to `timeout` seconds, then for the end of its output; a process that does not end is
    /// sent SIGTERM, then SIGKILL, and nil is returned.
    @discardableResult
    public func waitForExit(timeout: Double) -> Int32? {
        if exited.wait(timeout: .now() + timeout) == .success {
            exited.signal()   // for the next waiter
            stdout.waitForEnd(timeout: 5)
            stderr.waitForEnd(timeout: 5)
            return status
        }
        signal(SIGTERM)
        if exited.wait(timeout: .now() + 1) == .timedOut {
            signal(SIGKILL)
            exited.wait()
        }
        exited.signal()
        return nil
    }

    /// Sends `number` to the child while it runs.
    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Ends a child that is still running (SIGKILL) and waits for it: for `defer`.
    public func stop() {
        signal(SIGKILL)
        _ = waitForExit(timeout: 10)
    }
}

/// Text collected from a descriptor as it arrives, until its end.
public final class OutputCollector: Sendable {
    private let data = Mutex(Data())
    private let ended = DispatchSemaphore(value: 0)

    init(reading descriptor: Int32) {
        Thread.detachNewThread { self.read(descriptor) }
    }

    private func read(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.withLock { $0.append(contentsOf: buffer[0..<count]) }
        }
        close(descriptor)
        ended.signal()
    }

    public var contents: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }

    /// Waits until the writing side is closed (by the child's exit) or `timeout` seconds pass.
    @discardableResult
    public func waitForEnd(timeout: Double) -> Bool {
        guard ended.wait(timeout: .now() + timeout) == .success else { return false }
        ended.signal()
        return true
    }
}
