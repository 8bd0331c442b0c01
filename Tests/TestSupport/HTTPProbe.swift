import Foundation

/// A plain HTTP/1.1 client on raw sockets, so that tests control every byte (headers, slow sending, never
/// reading) and see exactly what the server answers.
public final class HTTPConnection {
    public enum Target: Sendable {
        case tcp(port: Int)
        case unix(path: String)
    }

    public let descriptor: Int32

    public init(_ target: Target, timeout: Double = 10) throws {
        switch target {
        case .tcp(let port):
            let (connected, succeeded) = FreePort.loopbackSocket(port, connect)
            descriptor = connected
            guard succeeded else { close(descriptor); throw HTTPProbe.Failure(description: "connect 127.0.0.1:\(port): errno \(errno)") }
        case .unix(let path):
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
            }
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard status == 0 else { close(descriptor); throw HTTPProbe.Failure(description: "connect \(path): errno \(errno)") }
        }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// false when the server closed or reset the connection.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Up to `count` bytes; empty at the end of the stream or when nothing came within the timeout.
    public func receive(_ count: Int = 65_536) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let received = recv(descriptor, &buffer, count, 0)
        return received > 0 ? Array(buffer[..<received]) : []
    }

    /// Everything until the server closes the connection (or the timeout passes with nothing new).
    public func receiveAll() -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = receive()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    /// Whether the server closed the connection within `timeout` seconds.
    public func closedByServer(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) > 0 {
                var byte: UInt8 = 0
                let received = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT))
                if received == 0 || (received < 0 && errno != EAGAIN) { return true }
            }
        }
        return false
    }
}

/// One request, one answer.
public enum HTTPProbe {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Response: Sendable {
        public var status: Int
        /// Names in lower case; a repeated header keeps its last value.
        public var headers: [String: String]
        public var headerLines: [String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// `GET path` (or another method) with `Connection: close`; `headers` are added as given.
    public static func request(_ target: HTTPConnection.Target, _ path: String, method: String = "GET",
                               headers: [String: String] = [:], body: [UInt8] = [], host: String = "localhost") throws -> Response {
        let connection = try HTTPConnection(target)
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        connection.send(Array(text.utf8) + body)
        return try parse(connection.receiveAll())
    }

    public static func get(_ port: Int, _ path: String, headers: [String: String] = [:]) throws -> Response {
        try request(.tcp(port: port), path, headers: headers)
    }

    public static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw Failure(description: "no complete response head in \(bytes.count) bytes: \(String(decoding: bytes, as: UTF8.self))")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, headerLines: Array(lines.dropFirst()), body: body)
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].indices.first(where: { bytes[$0] == 13 }),
                  let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16),
                  size > 0 else { break }
            let start = lineEnd + 2
            out += bytes[start..<min(start + size, bytes.count)]
            index = start + size + 2
        }
        return out
    }

    /// Basic credentials for `Authorization`.
    public static func basic(user: String, password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}
