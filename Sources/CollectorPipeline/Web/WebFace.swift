import HTTPServer
import Logging
import Configuration
import Protocols
import ServiceLifecycle

/// The collector's web face: the live readings (fed by `LiveSink` through its own queue), the status board and the
/// HTTP server. The server starts when the collector is set up (an address in use ends the start with status 1)
/// and this service closes it on shutdown: event streams end, connection threads are joined.
final class WebFace: Service, Sendable {
    let hub: EventHub
    let configuration: HTTPConfiguration
    private let server: HTTPServer
    private let logger: Logger

    init(configuration: HTTPConfiguration, board: StatusBoard, live: LiveReadings, hub: EventHub,
         logger: Logger) throws(HTTPServerError) {
        self.configuration = configuration
        self.hub = hub
        self.logger = logger
        let routes = WebRoutes(board: board, live: live, hub: hub)
        server = try HTTPServer(listen: configuration.listen,
                                access: HTTPAccess(password: configuration.password, token: configuration.token,
                                                   openPaths: ["/healthz"]),
                                handler: routes.handle)
        // Credentials are never logged; only whether there are any.
        let access = configuration.requiresCredentials ? "password or token required" : "no password (this machine only)"
        logger.info("web page, API and /metrics on \(server.addresses.map { $0.hasPrefix("/") ? "unix:\($0)" : "http://\($0)/" }.joined(separator: ", ")) (\(access))")
    }

    func run() async {
        try? await gracefulShutdown()
        hub.closeAll()
        server.close()
        logger.debug("web face stopped")
    }
}
