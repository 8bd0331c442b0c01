import Glibc
import Protocols
import SystemSupport

/// The progress line of `decode` on standard error, when standard error is a terminal: rewritten in place at most
/// every half second, cleared at the end.
struct DecodeProgress {
    private let progress: ReplayProgress
    private let enabled = isatty(STDERR_FILENO) == 1
    private let started = MonotonicClock.seconds()
    private var next: Double
    private var shown = false

    init(totalBytes: Int?) {
        progress = ReplayProgress(totalBytes: totalBytes)
        next = started + 0.5
    }

    mutating func update(bytesRead: Int, readings: Int) {
        guard enabled else { return }
        let now = MonotonicClock.seconds()
        guard now >= next else { return }
        next = now + 0.5
        shown = true
        let line = progress.line(bytesRead: bytesRead, readings: readings, elapsedSeconds: now - started)
        _ = FileSystem.writeAll(STDERR_FILENO, "\r\u{1B}[K" + line)
    }

    func clear() {
        if shown { _ = FileSystem.writeAll(STDERR_FILENO, "\r\u{1B}[K") }
    }
}
