import Protocols
import Testing

@Suite("Configuration secrets")
struct ConfigurationSecretsTests {
    @Test("a dsn shows everything but its password", arguments: [
        ("postgresql://meter:s3cret@db/premises", "postgresql://meter:***@db/premises"),
        ("postgres://meter:s3cret@db:5433", "postgres://meter:***@db:5433"),
        ("postgresql://meter@db/premises?sslmode=require&password=s3cret", "postgresql://meter@db/premises?sslmode=require&password=***"),
        ("postgresql://m%40x:s3cret@db/premises?password=s3cret", "postgresql://m%40x:***@db/premises?password=***"),
        ("postgresql://db/premises", "postgresql://db/premises"),
        ("host=db password=s3cret user=meter", "host=db password=*** user=meter"),
        ("host=db password = s3cret", "host=db password = ***"),
        ("password='two words' host=db", "password=*** host=db"),
        (#"password='it\'s s3cret' host=db"#, "password=*** host=db"),
        (#"host=db password=back\ slash"#, "host=db password=***"),
        ("host=db user=meter", "host=db user=meter"),
    ])
    func redactedDSN(_ dsn: String, _ shown: String) {
        #expect(ConfigurationSecrets.redactedDSN(dsn) == shown)
        #expect(ConfigurationSecrets.isSecret(key: "dsn", value: dsn) == (dsn != shown))
    }

    @Test("keys and passwords are masked, other values shown")
    func display() {
        #expect(ConfigurationSecrets.display(key: "key", value: "0123", mask: "(set)") == "(set)")
        #expect(ConfigurationSecrets.display(key: "password", value: "", mask: "(set)") == "")
        #expect(ConfigurationSecrets.display(key: "host", value: "broker", mask: "(set)") == "broker")
    }

    @Test("security warnings: check_hostname off, a password in plain text to another machine, an unverified remote PostgreSQL")
    func securityWarnings() {
        #expect(MQTTSettings(host: "broker", tls: true, clientID: "c").securityWarnings.isEmpty)
        #expect(MQTTSettings(host: "broker", tls: true, checkHostname: false, clientID: "c").securityWarnings.count == 1)
        #expect(MQTTSettings(host: "broker", username: "u", password: "p", clientID: "c").securityWarnings
                == ["tls is off: the password goes to broker in plain text"])
        #expect(MQTTSettings(host: "localhost", username: "u", password: "p", clientID: "c").securityWarnings.isEmpty)
        #expect(PostgresSettings(host: "db").securityWarnings.count == 1)
        #expect(PostgresSettings(host: "db", sslmode: "verify-full").securityWarnings.isEmpty)
        #expect(PostgresSettings(host: "/var/run/postgresql").securityWarnings.isEmpty)
        #expect(PostgresSettings(host: "127.0.0.1", sslmode: "disable").securityWarnings.isEmpty)
    }
}
