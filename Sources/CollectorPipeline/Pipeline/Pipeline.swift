import Logging
import ServiceLifecycle

/// Readers, sink workers and the web face, wired, as the services of one group.
///
/// Services are listed sinks first and readers last: on a shutdown signal (or `triggerGracefulShutdown()`) the
/// group stops them in reverse order, so the readers stop first, then each sink writes what its queue holds and
/// closes. Shutdown is bounded: past 1.5 s the group cancels, and a sink stuck in a write is abandoned. The end of
/// replayed files is not a shutdown: the readers' service waits until every sink has written everything, then
/// returns, which ends the group (see `ReadersService`).
package struct Pipeline {
    package let readers: [any Reader]
    package let workers: [SinkWorker]
    let webFace: WebFace?
    let logger: Logger

    package static let maximumGracefulShutdown = Duration.milliseconds(1500)
    package static let maximumCancellation = Duration.milliseconds(300)

    package init(readers: [any Reader], workers: [SinkWorker], logger: Logger) {
        self.init(readers: readers, workers: workers, webFace: nil, logger: logger)
    }

    init(readers: [any Reader], workers: [SinkWorker], webFace: WebFace?, logger: Logger) {
        self.readers = readers
        self.workers = workers
        self.webFace = webFace
        self.logger = logger
    }

    /// The group to run. `onSignals`: SIGTERM and SIGINT shut it down gracefully (the program; a test calls
    /// `triggerGracefulShutdown()` instead).
    package func serviceGroup(onSignals: Bool) -> ServiceGroup {
        var services = workers.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .ignore,
                                                           serviceName: $0.name)
        }
        if let webFace {
            services.append(.init(service: webFace, successTerminationBehavior: .ignore, serviceName: "http"))
        }
        services.append(.init(service: ReadersService(readers: readers, workers: workers, logger: logger),
                              successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "readers"))
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = onSignals ? [.sigterm, .sigint] : []
        configuration.maximumGracefulShutdownDuration = Self.maximumGracefulShutdown
        configuration.maximumCancellationDuration = Self.maximumCancellation
        return ServiceGroup(configuration: configuration)
    }
}
