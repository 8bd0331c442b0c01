import Testing
import TestSupport
@testable import Protocols
import TestThreads
@testable import Delivery

/// What libpq and a real PostgreSQL 15 say about a connection never carries a value we hide, even when the server
/// quotes it back (an `options` value it refuses) or the string cannot be read at all.
@Suite("PostgreSQL messages without secrets", .onOwnThread, .serialized, .enabled(if: PostgresServer.isInstalled))
struct PostgresSecretsTests {
    @Test("a refused options value and a wrong password in a dsn come back without the hidden values")
    func serverMessagesScrubbed() throws {
        let server = try PostgresServer()
        let base = "postgresql://postgres:\(PostgresServer.password)@127.0.0.1:\(server.port)/premises?sslmode=disable"
        // The server repeats an argument it does not understand: "invalid command-line argument ... Opt-S3cret".
        let options = PostgresSettings(dsn: base + "&options=Opt-S3cret")
        #expect(throws: PostgresConnection.Failure.self) { try options.connect().close() }
        do {
            try options.connect().close()
        } catch {
            #expect(!error.description.contains("Opt-S3cret"), "\(error.description)")
            #expect(error.description.contains("***"), "\(error.description)")
        }
        let wrong = PostgresSettings(dsn: "host=127.0.0.1 port=\(server.port) user=postgres dbname=premises "
                                     + "sslmode=disable password='Wrong S3cret'")
        do {
            try wrong.connect().close()
            Issue.record("a wrong password connected")
        } catch {
            #expect(error.description.contains("password authentication failed"), "\(error.description)")
            #expect(!error.description.contains("S3cret"))
        }
        #expect(!wrong.address.contains("S3cret") && wrong.address.contains("password=***"), "\(wrong.address)")
    }

    @Test("a dsn libpq cannot read is refused before connecting, without quoting it")
    func unreadableNotQuoted() {
        for dsn in ["host=127.0.0.1 Bare-S3cret", "postgresql://u:S3cret@127.0.0.1/premises?S3cret"] {
            do {
                try PostgresSettings(dsn: dsn).connect().close()
                Issue.record("\(dsn) connected")
            } catch {
                #expect(!error.description.contains("S3cret"), "\(error.description)")
                #expect(error.description.contains("libpq cannot read the dsn"))
            }
            #expect(!PostgresSettings(dsn: dsn).address.contains("S3cret"))
        }
    }
}
