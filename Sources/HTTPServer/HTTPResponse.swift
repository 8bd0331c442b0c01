/// What a handler answers: a status, a content type, extra headers and a body that is either bytes or a stream
/// (Server-Sent Events). Every response also carries `HTTPResponse.safeHeaders`.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(EventStream)
    }

    public var status: Int
    public var contentType: String
    public var headers: [(name: String, value: String)]
    public var body: Body

    public init(status: Int, contentType: String, headers: [(name: String, value: String)] = [], body: Body) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, headers: [(name: String, value: String)] = [], bytes: [UInt8]) {
        self.init(status: status, contentType: contentType, headers: headers, body: .bytes(bytes))
    }

    /// A plain-text answer (errors, `/healthz`).
    public static func text(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", headers: headers,
                     bytes: Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    public static func json(_ bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", bytes: bytes)
    }

    /// Headers on every response: no content sniffing, no framing by other sites, no referrer, scripts, styles,
    /// images and connections from this origin only, and no caching (the values change with every reading). No
    /// CORS header at all: other sites' pages cannot read the answers.
    public static let safeHeaders: [(name: String, value: String)] = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        ("Cache-Control", "no-store"),
    ]
}
