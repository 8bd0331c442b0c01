import Foundation
import TestSupport

/// A meter behind a pseudo-terminal that sends the same message (a capture's bytes) once a second until stopped, as
/// a meter pushes its readings; `send` swaps the message (a meter exchange, a new month).
final class RepeatingMeter: @unchecked Sendable {
    let pty: PtyPair
    private let condition = NSCondition()
    private var message: [UInt8]
    private var stopped = false
    private var finished = false
    private(set) var sent = 0

    /// `name` keeps the pty links of several meters in one folder apart.
    init(directory: TestFolder, message: [UInt8], name: String) throws {
        pty = PtyPair(directory: directory, name: name)
        try pty.plug()
        self.message = message
        let thread = Thread { [self] in run() }
        thread.name = "repeating-meter"
        thread.start()
    }

    /// From now on, this message.
    func send(_ message: [UInt8]) {
        condition.withLock { self.message = message }
    }

    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
            while !finished { _ = condition.wait(until: Date().addingTimeInterval(1)) }
        }
        pty.unplug()
    }

    private func run() {
        let descriptor = open(pty.feed, O_WRONLY | O_NOCTTY)
        defer {
            if descriptor >= 0 { close(descriptor) }
            condition.withLock { finished = true; condition.broadcast() }
        }
        guard descriptor >= 0 else { return }
        while true {
            let bytes: [UInt8]? = condition.withLock { stopped ? nil : message }
            guard let bytes else { return }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written > 0 { offset += written } else if errno != EINTR && errno != EAGAIN { return }
            }
            condition.withLock {
                sent += 1
                if !stopped { _ = condition.wait(until: Date().addingTimeInterval(1)) }
            }
        }
    }
}
