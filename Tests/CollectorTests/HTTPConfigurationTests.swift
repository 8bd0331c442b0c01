import Foundation
import Configuration
import Protocols
import Testing
import TestThreads

/// `[http]`: addresses, the rule that anything beyond this machine needs a password or token, and secrecy.
@Suite(.onOwnThread) struct HTTPConfigurationTests {
    static let base = ConfigurationValidationTests.reader + ConfigurationValidationTests.sink

    @Test func addressesParse() throws {
        let configuration = try ConfigurationValidationTests.validate(Self.base + """

            [http]
            listen = 127.0.0.1:8180, [::1]:8181 /run/smartmeter/http.sock
            stale_after = 120
            """).get()
        #expect(configuration.http == HTTPConfiguration(
            listen: [.tcp(host: "127.0.0.1", port: 8180), .tcp(host: "::1", port: 8181), .unix(path: "/run/smartmeter/http.sock")],
            staleAfter: 120))
        #expect(configuration.http!.listen.allSatisfy { $0.isLocal })
        #expect(configuration.http!.listen.map(\.description) == ["127.0.0.1:8180", "[::1]:8181", "/run/smartmeter/http.sock"])
    }

    @Test func withoutTheSectionThereIsNoWebFace() throws {
        #expect(try ConfigurationValidationTests.validate(Self.base).get().http == nil)
    }

    @Test func anEmptySectionListensOnTheDefault() throws {
        let http = try ConfigurationValidationTests.validate(Self.base + "\n[http]\n").get().http
        #expect(http?.listen == [.tcp(host: "127.0.0.1", port: 8180)])
        #expect(http?.requiresCredentials == false)
    }

    @Test func beyondLoopbackNeedsAPasswordOrToken() throws {
        #expect(try ConfigurationValidationTests.problems(Self.base + "\n[http]\nlisten = 0.0.0.0:8180\n") == [
            "test.ini:9: [http] listen: 0.0.0.0:8180 is reachable from other machines: set password or token (or listen on 127.0.0.1 only)",
        ])
        #expect(try ConfigurationValidationTests.problems(Self.base + "\n[http]\nlisten = 127.0.0.1:1, 192.168.1.5:8180\n").count == 1)
        let withToken = try ConfigurationValidationTests.validate(Self.base + "\n[http]\nlisten = 0.0.0.0:8180\ntoken = t0k3n\n").get()
        #expect(withToken.http?.token == "t0k3n")
        #expect(withToken.http?.requiresCredentials == true)
        let withPassword = try ConfigurationValidationTests.validate(Self.base + "\n[http]\nlisten = [::]:8180\npassword = pw\n").get()
        #expect(withPassword.http?.password == "pw")
    }

    @Test func badAddressesAreNamed() throws {
        #expect(try ConfigurationValidationTests.problems(Self.base + "\n[http]\nlisten = 127.0.0.1\n") == [
            "test.ini:9: [http] listen: '127.0.0.1' is not host:port, [IPv6]:port or a unix socket path starting with /",
        ])
        #expect(try ConfigurationValidationTests.problems(Self.base + "\n[http]\nlisten = 127.0.0.1:99999\n") == [
            "test.ini:9: [http] listen: '99999' is not a port (0 to 65535)",
        ])
        #expect(try ConfigurationValidationTests.problems(Self.base + "\n[http]\nlisten = :8180\n") == [
            "test.ini:9: [http] listen: ':8180' has no host; use 0.0.0.0:port for every IPv4 address",
        ])
        #expect(try ConfigurationValidationTests.problems(Self.base + "\n[http]\nlistn = 127.0.0.1:1\n").first?
            .contains("unknown key; did you mean 'listen'?") == true)
        #expect(try ConfigurationValidationTests.problems(Self.base + "\n[htp]\n").first?
            .contains("unknown section; did you mean [http]?") == true)
    }

    @Test func passwordAndTokenAreSecrets() {
        #expect(ConfigurationSecrets.display(key: "token", value: "t0k3n", mask: "(set)") == "(set)")
        #expect(ConfigurationSecrets.display(key: "password", value: "pw", mask: "(set)") == "(set)")
    }

    @Test func prometheusLabelEscaping() {
        #expect(PrometheusLabel.escape(#"a"b\c"#) == #"a\"b\\c"#)
        #expect(PrometheusLabel.escape("line\nbreak") == #"line\nbreak"#)
        #expect(PrometheusLabel.escape("\u{1B}[31m\u{202E}") == "U+001B[31mU+202E")
        #expect(PrometheusLabel.escape(String(repeating: "x", count: 1000)).utf8.count == PrometheusLabel.maximumBytes + 3)
    }
}
