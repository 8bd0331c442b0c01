/// Whether a host name or address stays on this machine (`localhost`, 127.0.0.0/8, `::1`), where nobody can read or
/// fake the traffic: plain text and unverified certificates are then no risk worth a warning.
public func isLoopbackHost(_ host: String) -> Bool {
    let host = host.lowercased()
    return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
}
