import Foundation
import TestSupport

/// Start-up to the first reading processed: from spawning the collector (fork + exec included) to the first line of
/// a reading on its output (logger sink; ours writes it to standard output, the reference logs it to standard
/// error), read through a FIFO. Meanwhile a writer offers one E450 reading on the pty every millisecond, so a
/// reading is there as soon as the collector has opened the port (both flush the port's input when they open it):
/// the figure includes up to 1 ms of waiting for the next reading.
struct StartUpRun {
    let collector: CollectorUnderTest
    let reading: [UInt8]
    let directory: URL

    final class Writer: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        var isRunning: Bool { lock.withLock { running } }
        func stop() { lock.withLock { running = false } }
    }

    /// Milliseconds from spawn to the first reading, one value per run.
    func measure(runs: Int) throws -> [Double] {
        var results: [Double] = []
        for run in 0..<runs {
            let pty = MeterPty()
            let config = directory.appendingPathComponent("\(collector.name)-startup.ini")
            try (collector.readerSection(port: pty.path) + "[sink0]\ntype = logger\n[logging]\ndefault = WARNING\n")
                .write(to: config, atomically: true, encoding: .utf8)
            let fifo = directory.path + "/\(collector.name)-startup-\(run).fifo"
            guard mkfifo(fifo, 0o600) == 0 else { throw Shell.Failure(description: "mkfifo \(fifo) failed") }
            let output = open(fifo, O_RDONLY | O_NONBLOCK)
            defer { close(output); unlink(fifo) }

            let writer = Writer()
            let reading = self.reading
            let thread = Thread {
                while writer.isRunning {
                    pty.offer(reading)
                    usleep(1_000)
                }
            }
            thread.start()
            usleep(20_000)

            let started = now()
            let pid = try collector.start(configuration: config.path, log: fifo)
            var text = ""
            var arrived: Double?
            var buffer = [UInt8](repeating: 0, count: 4096)
            while arrived == nil, now() - started < 30 {
                var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 100) > 0 else { continue }
                let count = read(output, &buffer, buffer.count)
                if count > 0 {
                    text += String(decoding: buffer[0..<count], as: UTF8.self)
                    if text.contains("LGZ") { arrived = now() }
                } else {
                    usleep(100)
                }
            }
            ChildProcess.signalAndWait(pid, SIGTERM)
            writer.stop()
            while !thread.isFinished { usleep(1_000) }
            guard let arrived else {
                throw Shell.Failure(description: "\(collector.name): no reading within 30 s; output: \(text.prefix(2000))")
            }
            results.append((arrived - started) * 1000)
            progress("[\(collector.name) start-up] run \(run + 1): \(String(format: "%.1f", results.last!)) ms")
        }
        return results
    }
}
