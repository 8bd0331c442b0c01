import SystemSupport

/// Who may use the server. With a password (HTTP Basic, any user name: what a browser asks for) or a token
/// (`Authorization: Bearer <token>`: scripts, Prometheus) every request must carry one of them, except to the
/// `openPaths`; both are compared in constant time. Without either (loopback or unix socket only: the configuration
/// refuses anything else), the `Host` header must name this machine, so that a web page from elsewhere cannot reach
/// the server through a DNS name it points at 127.0.0.1 (DNS rebinding).
public struct HTTPAccess: Sendable {
    public var password: String?
    public var token: String?
    public var openPaths: Set<String>
    /// The handler checks every request itself (the configurator's login sessions): nothing is refused here.
    public var handlerDecides = false

    public init(password: String? = nil, token: String? = nil, openPaths: Set<String> = []) {
        self.password = password
        self.token = token
        self.openPaths = openPaths
    }

    /// Access left to the handler, which must refuse what it should.
    public static let decidedByHandler: HTTPAccess = {
        var access = HTTPAccess()
        access.handlerDecides = true
        return access
    }()

    /// nil when the request may go on, else the answer that refuses it.
    public func refusal(of request: HTTPRequest) -> HTTPResponse? {
        if handlerDecides { return nil }
        if password == nil && token == nil {
            guard let host = request.header("host"), Self.isLocalHost(host) else {
                return .text(421, "this server answers to localhost, 127.0.0.1 and [::1] only")
            }
            return nil
        }
        if openPaths.contains(request.path) { return nil }
        if let authorization = request.header("authorization"), allows(authorization) { return nil }
        var headers: [(name: String, value: String)] = []
        if password != nil { headers.append(("WWW-Authenticate", "Basic realm=\"smartmeter\", charset=\"UTF-8\"")) }
        return .text(401, "authentication required", headers: headers)
    }

    func allows(_ authorization: String) -> Bool {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        switch parts[0].lowercased() {
        case "bearer":
            guard let token else { return false }
            return Self.constantTimeEqual(Array(parts[1].utf8), Array(token.utf8))
        case "basic":
            guard let password, let decoded = Base64.decode(String(parts[1])),
                  let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return false }
            return Self.constantTimeEqual(Array(decoded[(colon + 1)...]), Array(password.utf8))
        default:
            return false
        }
    }

    /// Equal bytes, in a time that depends on the length of `expected` only, not on where `given` differs.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: given.count ^ expected.count)
        for index in 0..<expected.count {
            let byte = index < given.count ? given[index] : 0
            difference |= UInt(byte ^ expected[index])
        }
        return difference == 0
    }

    /// `localhost`, `127.0.0.1`, `[::1]`, with or without a port.
    static func isLocalHost(_ host: String) -> Bool {
        var name = Substring(host)
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return false }
            name = name[name.startIndex...close]
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        return isLoopbackLiteral(String(name))
    }
}

/// Standard Base64 (RFC 4648 §4) decoding for Basic credentials; nil for anything else.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var bits = 0, count = 0
        var out: [UInt8] = []
        var padding = 0
        for byte in text.utf8 {
            let value: Int
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = Int(byte) - 65
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = Int(byte) - 71
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte) + 4
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): padding += 1; continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            bits = (bits << 6) | value
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8((bits >> count) & 0xFF))
            }
        }
        guard (text.utf8.count % 4 == 0), padding <= 2 else { return nil }
        return out
    }
}
