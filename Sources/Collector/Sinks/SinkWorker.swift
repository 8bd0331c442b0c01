import FoundationEssentials
import Glibc
import Logging
import Protocols
import ServiceLifecycle
import Synchronization

/// Drains one sink's queue on the sink's own thread. On graceful shutdown the queue is closed and what it holds is
/// written before the sink is closed; on cancellation (shutdown took too long) the thread gives up after the batch
/// it is writing.
final class SinkWorker: Service, @unchecked Sendable {
    let name: String
    let queue: SinkQueue
    private let sink: any Sink
    private let logger: Logger
    private let statisticsInterval: Double
    private let abandon = StopFlag()
    /// Written by the sink thread, read for the summary by whoever logs it.
    private let written = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)

    init(name: String, sink: any Sink, queue: SinkQueue, logger: Logger, statisticsInterval: Double) {
        self.name = name
        self.sink = sink
        self.queue = queue
        self.logger = logger
        self.statisticsInterval = statisticsInterval
    }

    func run() async {
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
                done.fire()
            }
        } onGracefulShutdown: {
            self.queue.close()
        }
        if abandon.isSet {
            logger.warning("abandoned at shutdown: \(summary)")
        }
    }

    private func drain() {
        var nextReport = monotonicSeconds() + statisticsInterval
        var lastError: String?
        while !abandon.isSet, let batch = queue.pop(limit: 256, timeout: 0.25) {
            if !batch.isEmpty {
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
            if monotonicSeconds() >= nextReport {
                logger.info("\(summary)")
                nextReport = monotonicSeconds() + statisticsInterval
            }
        }
        sink.close()
        logger.info("stopped: \(summary)")
    }

    private var summary: String {
        let counters = queue.counters
        return "written \(written.load(ordering: .relaxed)), failed \(failed.load(ordering: .relaxed)), dropped (queue full) \(counters.dropped), queued \(counters.queued)"
    }
}
