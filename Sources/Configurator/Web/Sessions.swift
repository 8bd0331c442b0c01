import FoundationEssentials
import Synchronization
import Configuration
import Protocols
import SystemSupport

/// The browser sessions of the web configurator, in memory only. Every visitor gets a session (a random id in an
/// `HttpOnly; SameSite=Strict` cookie) with its own CSRF token; logging in marks a new session as signed in (the id
/// changes, so an id planted before the login is worth nothing). A session holds the draft being edited. Sessions
/// end after `idleSeconds` without a request.
final class Sessions: Sendable {
    struct Session: Sendable {
        var csrf: String
        var signedIn: Bool
        var lastUse: Double
        /// The configuration text being edited, nil: the file as it is.
        var draft: String?
        /// The message shown once on the next page (saved, refused, ...).
        var notice: String?
        /// The output of the last detect, test-sinks or restart, shown once.
        var toolOutput: ToolOutput?
    }

    static let idleSeconds = 30.0 * 60
    static let limit = 256

    private let sessions = Mutex<[String: Session]>([:])

    /// The session of `id`, or a new one (returned with its id).
    func session(_ id: String?, signedIn: Bool = false) throws(WebError) -> (id: String, session: Session) {
        let now = MonotonicClock.seconds()
        let newID = try Self.token(), csrf = try Self.token()
        return self.sessions.withLock { sessions in
            sessions = sessions.filter { now - $0.value.lastUse < Self.idleSeconds }
            if let id, var session = sessions[id] {
                session.lastUse = now
                sessions[id] = session
                return (id, session)
            }
            if sessions.count >= Self.limit, let oldest = sessions.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                sessions.removeValue(forKey: oldest.key)
            }
            let session = Session(csrf: csrf, signedIn: signedIn, lastUse: now)
            sessions[newID] = session
            return (newID, session)
        }
    }

    func update(_ id: String, _ change: (inout Session) -> Void) {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return }
            change(&session)
            sessions[id] = session
        }
    }

    /// Ends session `id` and starts a signed-in one; returns its id.
    func signIn(replacing id: String?) throws(WebError) -> String {
        if let id { end(id) }
        return try session(nil, signedIn: true).id
    }

    func end(_ id: String) {
        sessions.withLock { _ = $0.removeValue(forKey: id) }
    }

    static func token() throws(WebError) -> String {
        Hex.string(try PasswordHash.randomBytes(32)).lowercased()
    }
}

/// Wrong passwords in a row lock the login for everyone: after `allowed` failures for a minute, doubling with every
/// further lockout up to an hour (`lockouts`, a back-off on the monotonic clock). A right password resets the count
/// (not while locked).
final class LoginLockout: Sendable {
    static let allowed = 5
    static let lockouts = Backoff.Policy(initial: .seconds(60), maximum: .seconds(3600))

    private struct State {
        var failures = 0
        var lockout = Backoff(LoginLockout.lockouts)
        var lockedUntil: MonotonicClock.Instant?
    }

    private let state = Mutex(State())
    private let clock: MonotonicClock

    init(clock: MonotonicClock = .system) {
        self.clock = clock
    }

    /// Seconds left of a lockout, nil when a password may be tried.
    var secondsLocked: Int? {
        let now = clock.now
        return state.withLock { state in
            guard let until = state.lockedUntil, until > now else { return nil }
            return Int((until - now).seconds.rounded(.up))
        }
    }

    func failed() {
        state.withLock { state in
            state.failures += 1
            guard state.failures >= Self.allowed else { return }
            state.lockedUntil = state.lockout.retryAt(after: clock)
            state.failures = 0
        }
    }

    func succeeded() {
        state.withLock { state in
            state.failures = 0
            state.lockout.reset()
        }
    }
}
