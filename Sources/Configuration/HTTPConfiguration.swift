import Protocols
import SystemSupport

/// The `[http]` section: where the collector's web face listens and who may use it.
public struct HTTPConfiguration: Sendable, Equatable {
    /// Addresses with ports and unix socket paths, all served alike.
    public var listen: [HTTPListenAddress]
    /// Basic-auth password (any user name) a browser is asked for; nil: none.
    public var password: String?
    /// Bearer token (`Authorization: Bearer <token>`) for scripts and Prometheus; nil: none.
    public var token: String?
    /// Seconds without a reading after which `/healthz` calls a push meter's reader stale (readout meters get at
    /// least three of their intervals).
    public var staleAfter: Int

    public static let defaultListen = "127.0.0.1:8180"
    public static let defaultStaleAfter = 60

    public init(listen: [HTTPListenAddress], password: String? = nil, token: String? = nil,
                staleAfter: Int = Self.defaultStaleAfter) {
        self.listen = listen
        self.password = password
        self.token = token
        self.staleAfter = staleAfter
    }

    /// Whether requests must carry the password or token: always when one is set.
    public var requiresCredentials: Bool { password != nil || token != nil }
}

/// One `listen` entry: `127.0.0.1:8180`, `[::1]:8180`, `0.0.0.0:8180`, `localhost:8180` or a unix socket path
/// (`/run/smartmeter/http.sock`).
public enum HTTPListenAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// Parses one entry; throws the reason it is not one.
    public init(parsing text: String) throws(HTTPListenAddressError) {
        let text = text.trimmed
        if text.hasPrefix("/") {
            guard text.utf8.count < 108 else { throw HTTPListenAddressError("unix socket path longer than 107 bytes") }
            self = .unix(path: text)
            return
        }
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw HTTPListenAddressError("'\(text)' is not [address]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw HTTPListenAddressError("'\(text)' is not host:port, [IPv6]:port or a unix socket path starting with /")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw HTTPListenAddressError("'\(text)' has no host; use 0.0.0.0:port for every IPv4 address")
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw HTTPListenAddressError("'\(portText)' is not a port (0 to 65535)")
        }
        self = .tcp(host: String(host), port: port)
    }

    /// Entries separated by commas or spaces.
    public static func list(parsing text: String) throws(HTTPListenAddressError) -> [HTTPListenAddress] {
        let parts = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        guard !parts.isEmpty else { throw HTTPListenAddressError("no address") }
        var addresses: [HTTPListenAddress] = []
        for part in parts { addresses.append(try HTTPListenAddress(parsing: part)) }
        return addresses
    }

    /// Only this machine can connect: a loopback address, or a unix socket (guarded by its file permissions).
    public var isLocal: Bool {
        switch self {
        case .tcp(let host, _): return isLoopbackLiteral(host)
        case .unix: return true
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return path
        }
    }
}

public struct HTTPListenAddressError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
