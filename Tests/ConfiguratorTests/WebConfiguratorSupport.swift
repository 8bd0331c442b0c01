import Foundation
import TestSupport
import Testing

/// `smartmeter-config serve` started for a test on 127.0.0.1 (a free port), with its configuration and password hash
/// in a scratch folder, stopped with SIGTERM at the end.
final class WebConfiguratorServer {
    static let password = "correct horse battery"

    let scratch: TestFolder
    let config: String
    let hashFile: String
    let port: Int
    let log: String
    private var pid: pid_t = 0

    /// `password`: set with `web-password` first (nil: none). `configText`: the file before (nil: no file).
    init(password: String? = WebConfiguratorServer.password, configText: String? = nil,
         environment: [String: String] = [:]) throws {
        scratch = try TestFolder()
        config = scratch.file("datacollector.ini")
        hashFile = scratch.file("web-password")
        log = scratch.file("serve.log")
        if let configText { try configText.write(toFile: config, atomically: true, encoding: .utf8) }
        if let password {
            let set = try Configurator.run(["web-password", "-c", config, "--password-file", "-"], stdin: password + "\n")
            #expect(set.status == 0, "\(set.stderr)")
        }
        port = FreePort.find()
        pid = try ChildProcess.spawn([Configurator.binary, "serve", "-c", config, "--listen", "127.0.0.1:\(port)"],
                                     log: log, environment: Configurator.environment(environment))
        try ChildProcess.waitUntilReady(pid, "serve", timeout: 15, details: scratch.read("serve.log")) { FreePort.isListening(port) }
    }

    deinit { stop() }

    func stop() {
        ChildProcess.signalAndWait(pid, SIGTERM)
        pid = 0
    }

    var base: String { "http://127.0.0.1:\(port)" }
}

/// A browser's side of the conversation: one session cookie, the CSRF token of the last page, forms posted
/// url-encoded or as multipart.
final class WebClient {
    let port: Int
    var cookie: String?
    var csrf: String?
    /// Every response, to check that no secret ever went out.
    private(set) var received: [HTTPProbe.Response] = []

    init(port: Int) { self.port = port }

    @discardableResult
    func get(_ path: String) throws -> HTTPProbe.Response {
        try send("GET", path, body: [], contentType: nil)
    }

    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf token: String?? = .none,
              extraHeaders: [String: String] = [:]) throws -> HTTPProbe.Response {
        var all = fields
        switch token {
        case .none: if let csrf { all.insert(("csrf", csrf), at: 0) }
        case .some(let given?): all.insert(("csrf", given), at: 0)
        case .some(nil): break
        }
        let body = all.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return try send("POST", path, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded",
                        extraHeaders: extraHeaders)
    }

    /// An `<input type=file name=ini>` upload.
    @discardableResult
    func upload(_ bytes: [UInt8]) throws -> HTTPProbe.Response {
        let boundary = "----test\(UInt32.random(in: 0...UInt32.max))"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf ?? "")\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"ini\"; filename=\"x.ini\"\r\nContent-Type: text/plain\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return try send("POST", "/upload", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    private func send(_ method: String, _ path: String, body: [UInt8], contentType: String?,
                      extraHeaders: [String: String] = [:]) throws -> HTTPProbe.Response {
        var headers = extraHeaders
        if let cookie { headers["Cookie"] = "smartmeter_config=\(cookie)" }
        if let contentType { headers["Content-Type"] = contentType }
        let response = try HTTPProbe.request(.tcp(port: port), path, method: method, headers: headers, body: body,
                                             host: "127.0.0.1:\(port)")
        received.append(response)
        for line in response.headerLines where line.lowercased().hasPrefix("set-cookie: smartmeter_config=") {
            cookie = String(line.dropFirst("set-cookie: smartmeter_config=".count).prefix { $0 != ";" })
        }
        if let token = Self.token(in: response.text) { csrf = token }
        return response
    }

    /// Logs in with `password`: the login page (for the session and its token), then the form.
    @discardableResult
    func login(_ password: String = WebConfiguratorServer.password) throws -> HTTPProbe.Response {
        try get("/login")
        let response = try post("/login", [("password", password)])
        // As a browser follows the redirect: the new session's page, with its token.
        if response.status == 303 { try get("/") }
        return response
    }

    static func token(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The notice the last page showed.
    static func notice(_ page: String) -> String? {
        guard let range = page.range(of: "id=\"notice\"") else { return nil }
        let rest = page[range.upperBound...]
        guard let start = rest.firstIndex(of: ">") else { return nil }
        return String(rest[rest.index(after: start)...].prefix { $0 != "<" })
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
    }
}
