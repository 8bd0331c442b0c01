import Foundation

/// A CA, a server certificate for `localhost`/127.0.0.1 and a client certificate, made with the openssl CLI.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caCertificate: String { directory.appendingPathComponent("ca.crt").path }
    public var serverCertificate: String { directory.appendingPathComponent("server.crt").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    public var clientCertificate: String { directory.appendingPathComponent("client.crt").path }
    public var clientKey: String { directory.appendingPathComponent("client.key").path }
    /// Signed by the CA, but for the host name `otherhost` only.
    public var mismatchedServerCertificate: String { directory.appendingPathComponent("otherhost.crt").path }
    public var mismatchedServerKey: String { directory.appendingPathComponent("otherhost.key").path }
    /// A second CA that signed nothing the broker uses.
    public var otherCACertificate: String { directory.appendingPathComponent("other-ca.crt").path }
    /// For `localhost`, signed by the CA, with the server's key, valid only on 1 January 2020: expired.
    public var expiredServerCertificate: String { directory.appendingPathComponent("expired.crt").path }

    private static let made = Result { try TestCertificates() }
    /// Made once per test process; a failure (no openssl) fails each test that needs them.
    public static func shared() throws -> TestCertificates { try made.get() }

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let openssl = "/usr/bin/openssl"
        func run(_ arguments: [String]) throws { try Shell.run(openssl, arguments, in: directory) }
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
            to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        for ca in ["ca", "other-ca"] {
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test \(ca)",
                     "-keyout", "\(ca).key", "-out", "\(ca).crt"])
        }
        try run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"])
        try run(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", "-extfile", "server.ext", "-out", "server.crt"])
        try "subjectAltName=DNS:otherhost\n".write(
            to: directory.appendingPathComponent("otherhost.ext"), atomically: true, encoding: .utf8)
        try run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=otherhost", "-keyout", "otherhost.key", "-out", "otherhost.csr"])
        try run(["x509", "-req", "-in", "otherhost.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", "-extfile", "otherhost.ext", "-out", "otherhost.crt"])
        try run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=smartmeter-test-client", "-keyout", "client.key",
                 "-out", "client.csr"])
        try run(["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", "-out", "client.crt"])
        // `openssl x509` cannot date a certificate in the past; `openssl ca` with a throw-away database can.
        try """
            [ca]
            default_ca = expired
            [expired]
            database = expired-index.txt
            new_certs_dir = .
            serial = expired.srl
            default_md = sha256
            policy = any
            [any]
            commonName = supplied

            """.write(to: directory.appendingPathComponent("expired-ca.cnf"), atomically: true, encoding: .utf8)
        try "".write(to: directory.appendingPathComponent("expired-index.txt"), atomically: true, encoding: .utf8)
        try "01\n".write(to: directory.appendingPathComponent("expired.srl"), atomically: true, encoding: .utf8)
        try run(["ca", "-batch", "-config", "expired-ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key", "-in", "server.csr",
                 "-out", "expired.crt", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                 "-extfile", "server.ext", "-notext"])
    }

    /// Listener lines for mosquitto.conf.
    public func brokerTLSOptions(requireClientCertificate: Bool = false, certificate: String? = nil) -> [String] {
        var lines = ["cafile \(caCertificate)", "certfile \(certificate ?? serverCertificate)", "keyfile \(serverKey)"]
        if requireClientCertificate { lines += ["require_certificate true"] }
        return lines
    }
}
