import Logging
import ServiceLifecycle

/// Runs every reader on its own thread. Returns when all readers have ended (replayed files) or, on graceful
/// shutdown or cancellation, once each has been asked to stop and has stopped.
struct ReadersService: Service {
    let readers: [any Reader]
    let logger: Logger

    func run() async {
        let flags = readers.map { _ in StopFlag() }
        let stopAll: @Sendable () -> Void = { flags.forEach { $0.set() } }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    for (reader, flag) in zip(readers, flags) {
                        group.addTask { await runOnThread(name: reader.name) { reader.run(stop: flag) } }
                    }
                }
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
