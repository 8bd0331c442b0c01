import FoundationEssentials
import Glibc
import HTTPServer
import Protocols
import SystemSupport

/// Answers the web face's requests (on the server's connection threads): the page and its assets, Chart.js from
/// Debian's libjs-chart.js, the API, `/healthz` and `/metrics`. Only GET (and HEAD, which libmicrohttpd answers
/// from the GET without a body).
struct WebRoutes: Sendable {
    let board: StatusBoard
    let live: LiveReadings
    let hub: EventHub

    /// Where Debian's libjs-chart.js installs Chart.js; served at the same path.
    static let chartPath = "/usr/share/javascript/chart.js/chart.min.js"
    static let chartURL = "/javascript/chart.js/chart.min.js"
    static let historyMaximumMinutes = 24 * 60

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "only GET", headers: [("Allow", "GET, HEAD")])
        }
        switch request.path {
        case "/", "/index.html":
            return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", bytes: Array(WebPage.html.utf8))
        case "/app.js":
            return HTTPResponse(status: 200, contentType: "text/javascript; charset=utf-8", bytes: Array(WebPage.script.utf8))
        case "/favicon.svg", "/favicon.ico":
            return HTTPResponse(status: 200, contentType: "image/svg+xml", bytes: Array(WebPage.icon.utf8))
        case "/app.css":
            return HTTPResponse(status: 200, contentType: "text/css; charset=utf-8", bytes: Array(WebPage.style.utf8))
        case Self.chartURL:
            guard let bytes = FileSystem.contents(of: Self.chartPath, limit: 4 << 20) else {
                return .text(404, "Chart.js is not installed (Debian package libjs-chart.js)")
            }
            return HTTPResponse(status: 200, contentType: "text/javascript; charset=utf-8", bytes: bytes)
        case "/api/v1/meters":
            return .json(live.latestJSON())
        case "/api/v1/status":
            return .json(StatusReport(board: board, live: live, hub: hub).json())
        case "/api/v1/events":
            guard let stream = hub.subscribe() else {
                return .text(503, "too many event-stream clients (\(hub.maximumClients))", headers: [("Retry-After", "10")])
            }
            // The latest reading of each meter first, so that a page shows values at once.
            for reading in live.latestReadings() {
                var json: [UInt8] = []
                ReadingJSON.append(reading, to: &json)
                stream.send(Array("event: reading\ndata: ".utf8) + json + [0x0A, 0x0A])
            }
            return HTTPResponse(status: 200, contentType: "text/event-stream", body: .stream(stream))
        case "/healthz":
            let problems = StatusReport(board: board, live: live, hub: hub).problems()
            return problems.isEmpty ? .text(200, "ok") : .text(503, problems.joined(separator: "\n"))
        case "/metrics":
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                bytes: Array(MetricsExposition(board: board, live: live, hub: hub).text().utf8))
        case let path where path.hasPrefix("/api/v1/meters/") && path.hasSuffix("/history"):
            let id = String(path.dropFirst("/api/v1/meters/".count).dropLast("/history".count))
            let minutesText = request.query["minutes"] ?? "60"
            guard let minutes = Int(minutesText), (1...Self.historyMaximumMinutes).contains(minutes) else {
                return .text(400, "minutes must be a whole number from 1 to \(Self.historyMaximumMinutes)")
            }
            guard let json = live.historyJSON(meter: id, minutes: minutes) else { return .text(404, "no such meter") }
            return .json(json)
        default:
            return .text(404, "not found")
        }
    }
}
