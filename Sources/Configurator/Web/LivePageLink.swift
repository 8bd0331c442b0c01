import Configuration
import Protocols

/// Where the collector's live page is, from the saved configuration's `[http] listen` (the built-in default when
/// absent): its first TCP address, with a wildcard address replaced by the host the browser used.
enum LivePageLink {
    static func url(saved: IniDocument?, requestHost: String?) -> String? {
        let listen = saved?.section("http")?.value("listen") ?? HTTPConfiguration.defaultListen
        guard let addresses = try? HTTPListenAddress.list(parsing: listen) else { return nil }
        for address in addresses {
            guard case .tcp(let host, let port) = address else { continue }
            var name = host.contains(":") ? "[\(host)]" : host
            if host == "0.0.0.0" || host == "::" {
                let browserHost = requestHost.map { text -> String in
                    if text.hasPrefix("["), let close = text.firstIndex(of: "]") { return String(text[...close]) }
                    return String(text.split(separator: ":").first ?? "")
                }
                guard let browserHost, !browserHost.isEmpty else { return nil }
                name = browserHost
            }
            return "http://\(name):\(port)/"
        }
        return nil
    }
}
