import Glibc
import Configuration

/// A bound, listening, non-blocking socket for one `listen` entry, opened by us (not by libmicrohttpd) so that a
/// unix socket path works like an address and a failure names its cause.
struct ListeningSocket {
    let descriptor: Int32
    /// What was bound, with the port the system chose for port 0.
    let address: String

    static let backlog: Int32 = 64

    init(_ listen: HTTPListenAddress) throws(HTTPServerError) {
        switch listen {
        case .tcp(let host, let port): (descriptor, address) = try Self.tcp(host: host, port: port)
        case .unix(let path): (descriptor, address) = try Self.unix(path: path)
        }
    }

    private static func tcp(host: String, port: Int) throws(HTTPServerError) -> (Int32, String) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPServerError("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        let descriptor = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPServerError("cannot open a socket: \(errorText())") }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if first.pointee.ai_family == AF_INET6 {
            setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = errorText()
            close(descriptor)
            throw HTTPServerError("cannot listen on \(HTTPListenAddress.tcp(host: host, port: port)): \(reason)")
        }
        try startListening(descriptor, name: "\(HTTPListenAddress.tcp(host: host, port: port))")
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let boundPort = withUnsafeMutablePointer(to: &bound) { pointer -> Int in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(descriptor, $0, &length) }
            if Int32(pointer.pointee.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        return (descriptor, "\(HTTPListenAddress.tcp(host: host, port: boundPort))")
    }

    private static func unix(path: String) throws(HTTPServerError) -> (Int32, String) {
        // A socket left by a previous run is replaced; any other file is not touched.
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else {
                throw HTTPServerError("cannot listen on \(path): a file that is not a socket is in the way")
            }
            unlink(path)
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPServerError("cannot open a socket: \(errorText())") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let reason = errorText()
            close(descriptor)
            throw HTTPServerError("cannot listen on \(path): \(reason)")
        }
        // Owner and group: the socket's permissions are its access control.
        chmod(path, 0o660)
        try startListening(descriptor, name: path)
        return (descriptor, path)
    }

    private static func startListening(_ descriptor: Int32, name: String) throws(HTTPServerError) {
        guard listen(descriptor, backlog) == 0 else {
            let reason = errorText()
            close(descriptor)
            throw HTTPServerError("cannot listen on \(name): \(reason)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
