import FoundationEssentials
import HTTPServer
import Configuration
import Protocols

/// The routes of `smartmeter-config serve`. Every request gets a session (cookie); with a password file every page
/// but the login needs a signed-in session; every POST needs the session's CSRF token and, when the browser sends
/// an `Origin`, one that names this server. Changes go to the session's draft; only Save writes the file.
final class WebConfigurator: Sendable {
    static let cookie = "smartmeter_config"

    let configPath: String
    let password: PasswordHash?
    let sessions = Sessions()
    let lockout: LoginLockout

    init(configPath: String, password: PasswordHash?, lockout: LoginLockout = LoginLockout()) {
        self.configPath = configPath
        self.password = password
        self.lockout = lockout
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch (request.method, request.path) {
        case ("GET", "/static/config.css"):
            return HTTPResponse(status: 200, contentType: "text/css; charset=utf-8", bytes: Array(WebAssets.css.utf8))
        case ("GET", "/favicon.ico"):
            return HTTPResponse(status: 204, contentType: "image/x-icon", bytes: [])
        case ("GET", "/static/config.js"):
            return HTTPResponse(status: 200, contentType: "text/javascript; charset=utf-8", bytes: Array(WebAssets.javascript.utf8))
        default:
            break
        }
        let given = Cookies.value(Self.cookie, in: request)
        let id: String, session: Sessions.Session
        do {
            (id, session) = try sessions.session(given)
        } catch {
            return .text(500, error.description)
        }
        var response = route(request, id: id, session: session)
        if id != given, !response.headers.contains(where: { $0.name == "Set-Cookie" }) {
            response.headers.append(("Set-Cookie", cookie(id, request)))
        }
        return response
    }

    func cookie(_ id: String, _ request: HTTPRequest) -> String {
        let secure = request.header("x-forwarded-proto")?.lowercased() == "https"
        return "\(Self.cookie)=\(id); Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    private func route(_ request: HTTPRequest, id: String, session: Sessions.Session) -> HTTPResponse {
        let signedIn = session.signedIn || password == nil
        if request.method == "POST" {
            let form = FormData(request)
            guard sameOrigin(request), let token = form["csrf"], Self.equal(token, session.csrf) else {
                return .text(403, "refused: the form's CSRF token is missing or wrong (reload the page and try again)")
            }
            if request.path == "/login" { return login(form, request: request, id: id) }
            guard signedIn else { return .text(403, "refused: log in first") }
            return post(request.path, form, id: id, request: request)
        }
        guard request.method == "GET" || request.method == "HEAD" else { return .text(405, "method not allowed") }
        if request.path == "/login" {
            return signedIn ? Self.redirect("/") : html(LoginPage.render(csrf: session.csrf, message: nil, locked: lockout.secondsLocked))
        }
        guard signedIn else { return request.path == "/" ? Self.redirect("/login") : .text(403, "refused: log in first") }
        switch request.path {
        case "/":
            return page(id: id, session: session, request: request)
        case "/download":
            let text = (try? draft(session)) ?? ConfigurationDraft(path: configPath, text: "")
            return HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8",
                                headers: [("Content-Disposition", "attachment; filename=\"datacollector.ini\"")],
                                bytes: Array(text.redacted().utf8))
        default:
            return .text(404, "not found")
        }
    }

    // MARK: Login

    private func login(_ form: FormData, request: HTTPRequest, id: String) -> HTTPResponse {
        guard let password else { return Self.redirect("/") }
        if let seconds = lockout.secondsLocked {
            return html(LoginPage.render(csrf: csrf(id), message: nil, locked: seconds), status: 429)
        }
        guard password.matches(form["password"] ?? "") else {
            lockout.failed()
            let locked = lockout.secondsLocked
            return html(LoginPage.render(csrf: csrf(id), message: locked == nil ? "wrong password" : nil, locked: locked),
                        status: locked == nil ? 401 : 429)
        }
        lockout.succeeded()
        guard let new = try? sessions.signIn(replacing: id) else { return .text(500, "cannot start a session") }
        var response = Self.redirect("/")
        response.headers.append(("Set-Cookie", cookie(new, request)))
        return response
    }

    private func csrf(_ id: String) -> String { (try? sessions.session(id).session.csrf) ?? "" }

    // MARK: Changes

    private func post(_ path: String, _ form: FormData, id: String, request: HTTPRequest) -> HTTPResponse {
        let session = (try? sessions.session(id).session)
        do throws(WebError) {
            var current = try draft(session)
            var notice: String?
            var output: ToolOutput?
            switch path {
            case "/apply", "/save", "/add", "/remove":
                current.text = try FormEdits.apply(form, to: current.text, document: try current.check().document)
                switch path {
                case "/add":
                    current.text = try FormEdits.add(form, to: current.text)
                case "/remove":
                    var editor = IniTextEditor(text: current.text)
                    let name = form["remove"] ?? ""
                    guard editor.removeSection(name) else { throw WebError("no section [\(name)]") }
                    current.text = editor.text
                    notice = "removed [\(name)] (not saved yet)"
                case "/save":
                    let errors = try current.save()
                    notice = errors.isEmpty ? "saved \(configPath) (the old file is kept as \(configPath).bak)"
                        : "not saved: \(errors.count) problem\(errors.count == 1 ? "" : "s") (shown at their keys)"
                default:
                    break
                }
            case "/discard":
                current.text = try ConfigurationDraft.fileText(configPath)
                notice = "changes discarded"
            case "/upload":
                current.text = try current.upload(form.bytes("ini") ?? [])
                notice = "uploaded; check it and save"
            case "/detect":
                let port = (form["port"] ?? "").trimmed
                guard !port.isEmpty, EditableText.problem(in: port, what: "port") == nil, port.hasPrefix("/") else {
                    throw WebError("give the serial port, for example /dev/ttyUSB0")
                }
                let type = form["type"].flatMap { MeterType(rawValue: $0) }?.rawValue
                let seconds = min(60, max(1, Int(form["seconds"] ?? "") ?? 11))
                output = ToolRuns.detect(port: port, type: type, seconds: seconds)
            case "/use-reader":
                current.text = try FormEdits.addProposal(session?.toolOutput?.proposal ?? [], to: current.text)
                notice = "added the reader detect proposed (not saved yet)"
            case "/test-sinks":
                output = ToolRuns.testSinks(config: configPath)
            case "/restart":
                output = ToolRuns.restart(config: configPath)
            case "/logout":
                sessions.end(id)
                return Self.redirect(password == nil ? "/" : "/login")
            default:
                return .text(404, "not found")
            }
            let text = current.text
            let saved = path == "/save" && notice?.hasPrefix("saved") == true
            sessions.update(id) { session in
                session.draft = saved ? nil : text
                session.notice = notice
                session.toolOutput = output
            }
        } catch {
            sessions.update(id) { $0.notice = "refused: " + error.description }
        }
        return Self.redirect("/")
    }

    private func draft(_ session: Sessions.Session?) throws(WebError) -> ConfigurationDraft {
        if let text = session?.draft { return ConfigurationDraft(path: configPath, text: text) }
        return ConfigurationDraft(path: configPath, text: try ConfigurationDraft.fileText(configPath))
    }

    private func page(id: String, session: Sessions.Session, request: HTTPRequest) -> HTTPResponse {
        sessions.update(id) { $0.notice = nil }
        do {
            let current = try draft(session)
            let checked = try current.check()
            let saved = (try? ConfigurationDraft(path: configPath, text: ConfigurationDraft.fileText(configPath)).check().document)
            return html(MainPage(configPath: configPath, csrf: session.csrf, checked: checked,
                                 unsaved: session.draft != nil && session.draft != (try? ConfigurationDraft.fileText(configPath)),
                                 notice: session.notice, output: session.toolOutput,
                                 livePage: LivePageLink.url(saved: saved, requestHost: request.header("host")),
                                 loginRequired: password != nil).render())
        } catch {
            return html(HTMLText.page(title: "smartmeter-config", body: "<p class=\"notice bad\">\(HTMLText.escape(error.description))</p>"), status: 500)
        }
    }

    // MARK: Helpers

    private func html(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/html; charset=utf-8", bytes: Array(text.utf8))
    }

    static func redirect(_ location: String) -> HTTPResponse {
        HTTPResponse(status: 303, contentType: "text/plain; charset=utf-8", headers: [("Location", location)], bytes: [])
    }

    /// A browser's `Origin` (when it names one) must be this server as the browser addressed it. Under our
    /// `Referrer-Policy: no-referrer` browsers send `Origin: null` with every form, which says nothing: the CSRF
    /// token and the `SameSite=Strict` cookie decide then.
    private func sameOrigin(_ request: HTTPRequest) -> Bool {
        guard let origin = request.header("origin"), origin != "null" else { return true }
        guard let host = request.header("host") else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt(bitPattern: x.count ^ y.count)
        for index in 0..<y.count { difference |= UInt((index < x.count ? x[index] : 0) ^ y[index]) }
        return difference == 0
    }
}
