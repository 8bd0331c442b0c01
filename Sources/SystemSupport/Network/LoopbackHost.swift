import Glibc

/// Whether a host name or address stays on this machine (`localhost`, 127.0.0.0/8, `::1`), where nobody can read or
/// fake the traffic: plain text and unverified certificates are then no risk worth a warning.
public func isLoopbackHost(_ host: String) -> Bool {
    let host = host.lowercased()
    return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
}

/// Stricter than `isLoopbackHost`, for names that come from a client (an HTTP `Host` header) or decide whether a
/// listener needs a password: `localhost`, an IPv4 literal in 127.0.0.0/8, or `::1` (with or without brackets).
/// `127.0.0.1.example.com` is not.
public func isLoopbackLiteral(_ host: String) -> Bool {
    var name = host.lowercased()
    if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
    if name == "localhost" { return true }
    var v4 = in_addr()
    if inet_pton(AF_INET, name, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, name, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } == Array(repeating: 0, count: 15) + [1] }
    return false
}
