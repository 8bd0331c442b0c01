import ArgumentParser
import Glibc
import HTTPServer
import Configuration
import Protocols

/// `smartmeter-config serve`
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the configurator in the browser (forms for every key, validation, detect, test-sinks, restart).",
        discussion: """
            Listens on --listen (default 127.0.0.1:8000; several addresses separated by commas) until stopped \
            (Ctrl-C, SIGTERM). With a password set by 'smartmeter-config web-password' every page asks for it; an \
            address beyond loopback is refused without one. Five wrong passwords in a row lock the login for 60 s, \
            doubling with each further lockout. Changes are a draft until Save, which writes the file as 'set' does \
            (atomically, checked by the collector's rules, comments and order kept, the old file kept as FILE.bak). \
            Serve plain HTTP on loopback, or put a TLS proxy in front (X-Forwarded-Proto: https marks the cookie Secure).
            Exit status: 0 stopped by a signal, 1 the server could not start, 2 bad arguments or password file.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Where to listen: host:port, [IPv6]:port or a unix socket path.", valueName: "address"))
    var listen = "127.0.0.1:8000"

    @Option(name: .customLong("hash-file"), help: ArgumentHelp("The password hash (default: web-password beside the configuration).", valueName: "path"))
    var hashFile: String?

    func run() throws {
        let addresses: [HTTPListenAddress]
        do {
            addresses = try HTTPListenAddress.list(parsing: listen)
        } catch {
            throw ValidationError("--listen: \(error)")
        }
        let path = hashFile ?? PasswordHash.defaultPath(forConfig: options.config)
        let password: PasswordHash?
        do {
            password = try PasswordHash.load(path)
        } catch {
            Console.fail("serve", error.description)
            throw ExitCode(2)
        }
        let local = addresses.allSatisfy(\.isLocal)
        if !local && password == nil {
            Console.fail("serve", "refusing to listen on \(addresses.filter { !$0.isLocal }.map(\.description).joined(separator: ", ")) without a password: "
                         + "set one with 'smartmeter-config web-password' (stored in \(path)), or listen on 127.0.0.1")
            throw ExitCode(2)
        }
        var limits = HTTPLimits()
        limits.bodyBytes = 2 * ConfigurationDraft.uploadLimit
        limits.connections = 32
        // detect listens up to a minute before it answers.
        limits.idleSeconds = 180
        let configurator = WebConfigurator(configPath: options.config, password: password)
        // Without a password (loopback only) the Host header must name this machine (DNS rebinding); with one the
        // login guards every page, also behind a TLS proxy that sends its own Host.
        let server: HTTPServer
        do {
            server = try HTTPServer(listen: addresses, access: password == nil ? HTTPAccess() : .decidedByHandler, limits: limits,
                                    handler: configurator.handle)
        } catch {
            Console.fail("serve", "\(error)")
            throw ExitCode(1)
        }
        Console.out("configurator on " + server.addresses.map { $0.hasPrefix("/") ? "unix:\($0)" : "http://\($0)/" }.joined(separator: ", ")
                    + (password == nil ? " (no password: this machine only)" : " (password required)"))
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        var received: Int32 = 0
        sigwait(&signals, &received)
        server.close()
    }
}
