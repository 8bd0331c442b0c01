import Foundation
import TestSupport

/// What one open live page costs the collector: the page, its script, style and Chart.js once, the history of the
/// meter, then an event stream read as events come and the status fetched every 3 s, as the page does.
final class BrowserClient: @unchecked Sendable {
    private let port: Int
    private let lock = NSLock()
    private var stopped = false
    private var events = 0
    private var requests = 0
    private var failures = 0

    init(port: Int) { self.port = port }

    func start() {
        Thread.detachNewThread { [self] in readEvents() }
        Thread.detachNewThread { [self] in poll() }
    }

    func stop() { lock.withLock { stopped = true } }

    var counts: (events: Int, requests: Int, failures: Int) { lock.withLock { (events, requests, failures) } }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func readEvents() {
        while !isStopped {
            guard let connection = try? HTTPConnection(.tcp(port: port), timeout: 1) else { usleep(200_000); continue }
            connection.send("GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            while !isStopped {
                let chunk = connection.receive()
                let count = String(decoding: chunk, as: UTF8.self).components(separatedBy: "event: reading").count - 1
                lock.withLock { events += count }
            }
        }
    }

    private func poll() {
        for path in ["/", "/app.js", "/app.css", "/javascript/chart.js/chart.min.js"] { fetch(path) }
        var next = Date()
        while !isStopped {
            fetch("/api/v1/status")
            next += 3
            while !isStopped && Date() < next { usleep(100_000) }
        }
    }

    private func fetch(_ path: String) {
        let ok = (try? HTTPProbe.get(port, path).status) == 200
        lock.withLock {
            requests += 1
            if !ok { failures += 1 }
        }
    }
}
