import Foundation
import TestSupport
import Testing
import TestThreads

/// `smartmeter-config web-password` and `serve` over real HTTP on 127.0.0.1: who may change what, secrets, lockout,
/// hostile uploads, and listening beyond loopback.
@Suite("smartmeter-config serve: security", .onOwnThread, .serialized)
struct WebConfiguratorSecurityTests {
    static let secrets = ["00112233445566778899AABBCCDDEEFF", "mqtt-pass-4711", "http-pass-0815", "http-token-42", "pg-secret-99"]
    static let configText = """
        # the meter in the cellar
        [reader0]
        type = lge450
        file = \(validCapture)
        key = \(secrets[0])

        [sink0]
        type = mqtt
        host = 127.0.0.1
        username = meter
        password = \(secrets[1])

        [sink1]
        type = postgresql
        dsn = host=127.0.0.1 dbname=premises password=\(secrets[4])

        [http]
        listen = 127.0.0.1:8180
        password = \(secrets[2])
        token = \(secrets[3])

        """

    @Test("web-password stores a salted PBKDF2 hash in a 0600 file, never the password; a file others can read is refused")
    func passwordFile() throws {
        let scratch = try TestFolder()
        let config = scratch.file("c.ini")
        try "old".write(toFile: scratch.file("web-password"), atomically: true, encoding: .utf8)
        chmod(scratch.file("web-password"), 0o644)
        let first = try Configurator.run(["web-password", "-c", config, "--password-file", "-"], stdin: "s3cret-words\n")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(scratch.mode("web-password") == 0o600)
        let line = scratch.read("web-password")
        #expect(line.hasPrefix("pbkdf2-sha256$310000$"))
        #expect(!line.contains("s3cret-words"))
        // A second hash of the same password has another salt.
        #expect(try Configurator.run(["web-password", "-c", config, "--password-file", "-"], stdin: "s3cret-words\n").status == 0)
        #expect(scratch.read("web-password") != line)
        // Too short.
        let short = try Configurator.run(["web-password", "-c", config, "--password-file", "-"], stdin: "short\n")
        #expect(short.status == 2)
        #expect(short.stderr.contains("at least 8 characters"))
        // serve refuses a hash file others can read.
        chmod(scratch.file("web-password"), 0o644)
        let serve = try Configurator.run(["serve", "-c", config, "--listen", "127.0.0.1:0"])
        #expect(serve.status == 2)
        #expect(serve.stderr.contains("can be read by others"))
    }

    @Test("beyond loopback without a password: refused with what to do")
    func nonLoopbackNeedsPassword() throws {
        let scratch = try TestFolder()
        let result = try Configurator.run(["serve", "-c", scratch.file("c.ini"), "--listen", "0.0.0.0:0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("refusing to listen on 0.0.0.0:0 without a password: set one with 'smartmeter-config web-password'"))
    }

    @Test("without a password: loopback only, a Host naming another machine refused (DNS rebinding), CSRF still required")
    func withoutPassword() throws {
        let server = try WebConfiguratorServer(password: nil, configText: Self.configText)
        let rebound = try HTTPProbe.request(.tcp(port: server.port), "/", host: "evil.example:\(server.port)")
        #expect(rebound.status == 421)
        let client = WebClient(port: server.port)
        let page = try client.get("/")
        #expect(page.status == 200)
        #expect(page.text.contains("End session"))
        #expect(try client.post("/save", [("v.sink0.host", "evil.example")], csrf: .some(nil)).status == 403)
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == Self.configText)
    }

    @Test("without login nothing changes and nothing is shown")
    func noChangeWithoutLogin() throws {
        let server = try WebConfiguratorServer(configText: Self.configText)
        let client = WebClient(port: server.port)
        let first = try client.get("/")
        #expect(first.status == 303)
        #expect(first.headers["location"] == "/login")
        let cookie = first.headerLines.first { $0.lowercased().hasPrefix("set-cookie:") } ?? ""
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
        try client.get("/login")   // a session with a valid CSRF token, not logged in
        for path in ["/apply", "/save", "/add", "/remove", "/discard", "/restart", "/test-sinks", "/detect"] {
            let response = try client.post(path, [("v.sink0.host", "evil.example"), ("add", "sink"), ("newsink", "logger"),
                                                  ("remove", "reader0"), ("port", "/dev/null")])
            #expect(response.status == 403, "\(path)")
        }
        #expect(try client.upload(Array("[sink0]\ntype = logger\n".utf8)).status == 403)
        #expect(try client.get("/download").status == 403)
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == Self.configText)
        #expect(!FileManager.default.fileExists(atPath: server.config + ".bak"))
        // A wrong password does not log in.
        let wrong = try client.login("not the password")
        #expect(wrong.status == 401)
        #expect(wrong.text.contains("wrong password"))
        #expect(try client.get("/").status == 303)
    }

    @Test("after login, a POST without the session's CSRF token or from another origin changes nothing")
    func noChangeWithoutCSRF() throws {
        let server = try WebConfiguratorServer(configText: Self.configText)
        let client = WebClient(port: server.port)
        #expect(try client.login().status == 303)
        let page = try client.get("/")
        #expect(page.status == 200)
        #expect(page.text.contains("id=\"f-sink0-host\""))
        let fields = [("v.sink0.host", "evil.example")]
        #expect(try client.post("/save", fields, csrf: .some(nil)).status == 403)
        #expect(try client.post("/save", fields, csrf: "0123").status == 403)
        #expect(try client.post("/save", fields, extraHeaders: ["Origin": "http://evil.example"]).status == 403)
        // Another session's token is not this session's.
        let other = WebClient(port: server.port)
        try other.login()
        #expect(try client.post("/save", fields, csrf: other.csrf).status == 403)
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == Self.configText)
        // The session's own token works: the change is saved.
        let saved = try client.post("/save", fields)
        #expect(saved.status == 303)
        #expect(WebClient.notice(try client.get("/").text)?.hasPrefix("saved") == true)
        #expect(try String(contentsOfFile: server.config, encoding: .utf8).contains("host = evil.example"))
        // Logged out, the old cookie is worth nothing.
        let cookie = client.cookie
        try client.post("/logout", [])
        client.cookie = cookie
        #expect(try client.get("/").status == 303)
    }

    @Test("secrets never leave the server: not in any page, form, download or answer; kept unless retyped")
    func secretsStayOnTheServer() throws {
        let server = try WebConfiguratorServer(configText: Self.configText)
        let client = WebClient(port: server.port)
        try client.login()
        let page = try client.get("/")
        #expect(page.text.contains("set; unchanged unless you type a new one"))
        let download = try client.get("/download")
        #expect(download.text.contains("password = (secret kept on the server)"))
        #expect(download.text.contains("# the meter in the cellar"))
        // A change elsewhere, with the secret fields sent empty (as the browser sends them), then saved.
        try client.post("/save", [("v.sink0.host", "broker.local"), ("v.sink0.password", ""), ("v.reader0.key", ""),
                                   ("v.http.password", ""), ("v.http.token", ""), ("v.sink1.dsn", "")])
        let saved = try String(contentsOfFile: server.config, encoding: .utf8)
        for secret in Self.secrets { #expect(saved.contains(secret), "\(secret) kept") }
        #expect(saved.contains("host = broker.local"))
        // The downloaded file uploaded again keeps the secrets on the server.
        #expect(WebClient.notice(try { try client.upload(download.body); return try client.get("/") }().text)?.hasPrefix("uploaded") == true)
        try client.post("/save", [])
        let again = try String(contentsOfFile: server.config, encoding: .utf8)
        for secret in Self.secrets { #expect(again.contains(secret), "\(secret) kept after upload") }
        // Retyped, a secret changes; "clear it" removes it.
        try client.post("/save", [("v.sink0.password", "new-pass-1234")])
        #expect(try String(contentsOfFile: server.config, encoding: .utf8).contains("password = new-pass-1234"))
        try client.get("/test-sinks")
        try client.post("/test-sinks", [])
        try client.get("/")
        for response in client.received {
            for secret in Self.secrets + ["new-pass-1234"] {
                #expect(!response.text.contains(secret), "\(secret) in a response")
                #expect(!response.headerLines.joined().contains(secret))
            }
        }
    }

    @Test("five wrong passwords lock the login, even for the right one")
    func lockout() throws {
        let server = try WebConfiguratorServer(configText: Self.configText)
        let client = WebClient(port: server.port)
        try client.get("/login")
        for attempt in 1...4 {
            let response = try client.post("/login", [("password", "wrong \(attempt)")])
            #expect(response.status == 401)
        }
        let fifth = try client.post("/login", [("password", "wrong 5")])
        #expect(fifth.status == 429)
        #expect(fifth.text.contains("Too many wrong passwords: the login is locked for 60 s"))
        let right = try client.post("/login", [("password", WebConfiguratorServer.password)])
        #expect(right.status == 429)
        #expect(try client.get("/").status == 303)
        // Another browser is locked out as well.
        #expect(try WebClient(port: server.port).login().status == 429)
    }

    @Test("hostile uploads and values are refused with a clear message and change nothing",
          arguments: ["huge", "NUL", "CR", "not UTF-8", "escape", "syntax"])
    func hostileUploads(_ kind: String) throws {
        let (bytes, message): ([UInt8], String) = switch kind {
        case "huge": (Array(repeating: UInt8(ascii: "#"), count: 300_000), "upload refused: 300000 bytes; a configuration file is at most 262144 bytes")
        case "NUL": (Array("[sink0]\ntype = logger\u{0}\n".utf8), "upload refused: line 2 holds a NUL character")
        case "CR": (Array("[sink0]\ntype = logger\rhost = x\n".utf8), "upload refused: line 2 holds a carriage return inside the line; a value must stay on one line")
        case "not UTF-8": ([0x5B, 0xFF, 0xFE, 0x5D, 0x0A], "upload refused: the file is not UTF-8 text")
        case "escape": (Array("[sink0]\ntype = logger\n\u{1B}[2J\n".utf8), "upload refused: line 3 holds the control character 0x1b")
        default: (Array("[sink0\ntype = logger\n".utf8), "upload refused: ")
        }
        let server = try WebConfiguratorServer(configText: Self.configText)
        let client = WebClient(port: server.port)
        try client.login()
        let before = try client.get("/download").text
        let answer = try client.upload(bytes)
        #expect(answer.status == 303, "\(answer.status) \(answer.text.prefix(300))")
        let notice = WebClient.notice(try client.get("/").text) ?? ""
        #expect(notice.hasPrefix("refused: " + message), "\(notice)")
        #expect(try client.get("/download").text == before)
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == Self.configText)
    }

    @Test("a value with a line break (a section smuggled in), a too large body: refused")
    func hostileValues() throws {
        let server = try WebConfiguratorServer(configText: Self.configText)
        let client = WebClient(port: server.port)
        try client.login()
        try client.post("/save", [("v.sink0.host", "x\n[sink9]\ntype = logger")])
        #expect(WebClient.notice(try client.get("/").text) == "refused: not changed: [sink0] host holds a line feed (LF); a value must stay on one line")
        try client.post("/save", [("v.sink0.host", "x\rtype = csv")])
        #expect(WebClient.notice(try client.get("/").text) == "refused: not changed: [sink0] host holds a carriage return (CR); a value must stay on one line")
        let huge = try client.upload(Array(repeating: UInt8(ascii: "a"), count: 600_000))
        #expect(huge.status == 413)
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == Self.configText)
    }
}

/// Save as `set` saves: only changed lines change, the old file kept as `.bak`, a new file 0640; an invalid draft is
/// not written and its problems show at their keys with `validate`'s messages.
@Suite("smartmeter-config serve: saving", .onOwnThread)
struct WebConfiguratorSaveTests {
    @Test("comments and order kept, .bak written, invalid drafts refused with validate's messages at the keys")
    func save() throws {
        let text = "# my meter\n[reader0]\ntype = lge450\n; the capture\nfile = \(validCapture)\n\n# out\n[sink0]\ntype = logger\n"
        let server = try WebConfiguratorServer(configText: text)
        let client = WebClient(port: server.port)
        try client.login()
        try client.post("/save", [("v.reader0.key", "0011")])
        let refused = try client.get("/").text
        #expect(WebClient.notice(refused) == "not saved: 1 problem (shown at their keys)")
        let validate = try Configurator.run(["validate", "-c", server.config])
        #expect(validate.status == 0)
        #expect(refused.contains("data-key=\"reader0.key\">\(server.config):6: [reader0] key: must be 32 hex characters"), "\(refused)")
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == text)
        try client.post("/save", [("v.reader0.key", "00112233445566778899AABBCCDDEEFF"), ("v.sink0.name", "meter log")])
        #expect(WebClient.notice(try client.get("/").text)?.hasPrefix("saved ") == true)
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == """
            # my meter
            [reader0]
            type = lge450
            ; the capture
            file = \(validCapture)
            key = 00112233445566778899AABBCCDDEEFF

            # out
            [sink0]
            type = logger
            name = meter log

            """)
        #expect(try String(contentsOfFile: server.config + ".bak", encoding: .utf8) == text)
        // A first save of a new file: mode 0640.
        let fresh = try WebConfiguratorServer()
        let browser = WebClient(port: fresh.port)
        try browser.login()
        try browser.post("/add", [("add", "sink"), ("newsink", "logger")])
        try browser.post("/add", [("add", "reader"), ("newreader", "lge450")])
        try browser.post("/save", [("v.reader0.file", validCapture)])
        #expect(WebClient.notice(try browser.get("/").text)?.hasPrefix("saved ") == true)
        #expect(fresh.scratch.mode("datacollector.ini") == 0o640)
        #expect(try Configurator.run(["validate", "-c", fresh.config]).status == 0)
    }
}
