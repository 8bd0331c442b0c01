import FoundationEssentials
import Glibc
import Logging
import Protocols
import ServiceLifecycle
import Synchronization
import SystemSupport

/// Drains one sink's queue on the sink's own thread. At the end of the input (replayed files) the queue is closed,
/// everything in it written and the sink asked to `finish` (store what it spooled) before it is closed, with no time
/// limit. On graceful shutdown the queue is closed and what it holds is written before the sink is closed; on
/// cancellation (shutdown took too long) the thread gives up after the batch it is writing.
package final class SinkWorker: Service, @unchecked Sendable {
    package let name: String
    /// The section's `type`.
    package let type: String
    package let queue: SinkQueue
    private let sink: any Sink
    private let logger: Logger
    private let statisticsInterval: Double
    private let abandon = StopFlag()
    /// Written by the sink thread, read for the summary by whoever logs it.
    private let written = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    /// Whether the sink thread has closed the sink, and what is to run when it has.
    private let finished = Mutex<(done: Bool, actions: [@Sendable () -> Void])>((false, []))

    /// Runs `action` once the sink thread has closed the sink (now, on this thread, if it has already).
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let now = finished.withLock { finished -> Bool in
            if finished.done { return true }
            finished.actions.append(action)
            return false
        }
        if now { action() }
    }

    package init(name: String, type: String, sink: any Sink, queue: SinkQueue, logger: Logger, statisticsInterval: Double) {
        self.name = name
        self.type = type
        self.sink = sink
        self.queue = queue
        self.logger = logger
        self.statisticsInterval = statisticsInterval
    }

    package func run() async {
        let done = OneShot()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await done.wait {
                    startDetachedThread(name: self.name) {
                        self.drain()
                        done.fire()
                    }
                }
            } onCancel: {
                // A sink blocked in a write (a full pipe, a hung network file system) is left behind: the thread
                // stops after that write, and the service returns now so that the process can exit.
                self.abandon.set()
                self.queue.close()
                self.sink.interrupt()
                done.fire()
            }
        } onGracefulShutdown: {
            self.queue.close()
            self.sink.interrupt()
        }
        if abandon.isSet {
            logger.warning("abandoned at shutdown: \(summary)")
            return
        }
        // At the end of a replay this sink may be done before the readers service has seen every sink finish; the
        // group then shuts the services down in reverse order and takes any service returning out of turn for a
        // failure. So a finished worker returns only when its own turn to shut down has come.
        try? await gracefulShutdown()
    }

    private func drain() {
        var nextReport = monotonicSeconds() + statisticsInterval
        var lastError: String?
        while !abandon.isSet, let batch = queue.pop(limit: Self.batchLimit, timeout: 0.25) {
            if batch.isEmpty {
                do {
                    try sink.idle()
                } catch {
                    let text = "\(error)"
                    if text != lastError { logger.error("\(text)") }
                    lastError = text
                }
            } else {
                do {
                    try sink.write(batch)
                    written.add(batch.count, ordering: .relaxed)
                    if lastError != nil {
                        logger.info("writing again")
                        lastError = nil
                    }
                } catch {
                    failed.add(batch.count, ordering: .relaxed)
                    let text = "\(error)"
                    if text != lastError { logger.error("cannot write \(batch.count) readings: \(text)") }
                    lastError = text
                }
            }
            sink.tick()
            if monotonicSeconds() >= nextReport {
                logger.info("\(summary)")
                nextReport = monotonicSeconds() + statisticsInterval
            }
        }
        if queue.wasEndOfInput && !abandon.isSet {
            sink.finish()
        }
        sink.close()
        logger.info("stopped: \(summary)")
        let actions = finished.withLock { finished in
            finished.done = true
            defer { finished.actions = [] }
            return finished.actions
        }
        for action in actions { action() }
    }

    /// Readings written and failed, what the queue dropped and holds, and the sink's health, for the web face.
    package var status: (written: Int, failed: Int, dropped: Int, queued: Int, health: SinkHealth?) {
        let counters = queue.counters
        return (written.load(ordering: .relaxed), failed.load(ordering: .relaxed), counters.dropped, counters.queued,
                sink.health)
    }

    /// Readings handed to one `write`: large writes for a replayed file, at most what a serial meter's queue holds.
    package static let batchLimit = 1_024

    private var summary: String {
        let counters = queue.counters
        return "written \(written.load(ordering: .relaxed)), failed \(failed.load(ordering: .relaxed)), dropped (queue full) \(counters.dropped), queued \(counters.queued)"
    }
}
