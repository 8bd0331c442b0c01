import Logging
import ServiceLifecycle
import Synchronization

/// Runs every reader on its own thread. When all readers have reached the end of their input (replayed files), it
/// closes the sinks' queues and waits, with no time limit, until every sink has written (or spooled) everything,
/// then returns, which ends the process. On graceful shutdown or cancellation each reader is asked to stop, and the
/// service returns once they have (the sinks then drain within the group's shutdown limit).
struct ReadersService: Service {
    let readers: [any Reader]
    let workers: [SinkWorker]
    let logger: Logger

    func run() async {
        let flags = readers.map { _ in StopFlag() }
        let shutdown = StopFlag()
        // Set when every sink has written everything at the end of the input, or at shutdown.
        let sinksDone = Latch()
        let stopAll: @Sendable () -> Void = {
            shutdown.set()
            flags.forEach { $0.set() }
            sinksDone.set()
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    for (reader, flag) in zip(readers, flags) {
                        group.addTask { await runOnThread(name: reader.name) { reader.run(stop: flag) } }
                    }
                }
                guard !shutdown.isSet else { return }
                logger.info("all input read; waiting for the sinks to write everything")
                let remaining = Atomic(workers.count)
                if workers.isEmpty { sinksDone.set() }
                for worker in workers {
                    worker.onFinish {
                        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { sinksDone.set() }
                    }
                    worker.queue.close(endOfInput: true)
                }
                await sinksDone.wait()
            } onCancel: {
                stopAll()
            }
        } onGracefulShutdown: {
            logger.info("stopping readers")
            stopAll()
        }
        logger.debug("all readers ended")
    }
}
