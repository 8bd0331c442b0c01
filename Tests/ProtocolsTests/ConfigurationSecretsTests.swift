import Configuration
import Protocols
import Testing
import TestThreads
import Delivery

@Suite("Configuration secrets", .onOwnThread)
struct ConfigurationSecretsTests {
    @Test("a dsn is shown as libpq reads it, with every value that is not known to be harmless hidden", arguments: [
        ("postgresql://meter:s3cret@db/premises", ["user=meter", "password=***", "dbname=premises", "host=db"]),
        ("postgres://meter:s3cret@db:5433", ["user=meter", "password=***", "host=db", "port=5433"]),
        ("postgresql://meter@db/premises?sslmode=require&password=s3cret", ["password=***", "sslmode=require"]),
        ("postgresql://meter:s3%63ret@db/premises", ["password=***", "host=db"]),
        ("postgresql://meter@db/premises?%70assword=s3cret", ["password=***"]),
        ("postgresql://meter@db/premises?pass%77ord=s3cret&sslpassword=s3cret", ["password=***", "sslpassword=***"]),
        ("host=db password=s3cret user=meter", ["host=db", "password=***", "user=meter"]),
        ("host=db password = s3cret", ["host=db", "password=***"]),
        ("password='two s3cret words' host=db", ["password=***", "host=db"]),
        (#"password='it\'s s3cret' host=db"#, ["password=***", "host=db"]),
        (#"host=db password=back\ s3cret"#, ["host=db", "password=***"]),
        ("host=db options='-c search_path=s3cret'", ["host=db", "options=***"]),
        ("host=db sslkey=/etc/k.pem sslpassword=s3cret", ["sslkey=/etc/k.pem", "sslpassword=***"]),
        ("user=meter\tpassword=s3cret", ["user=meter", "password=***"]),
        ("user=meter\npassword=s3cret\thost=db", ["user=meter", "password=***", "host=db"]),
    ])
    func redactedDSN(_ dsn: String, _ shown: [String]) {
        let display = ConfigurationSecrets.redactedDSN(dsn)
        #expect(!display.contains("s3cret") && !display.contains("s3%63ret"), "\(display)")
        for part in shown { #expect(display.split(separator: " ").contains(Substring(part)), "\(display) lacks \(part)") }
        #expect(ConfigurationSecrets.isSecret(key: "dsn", value: dsn))
    }

    @Test("a dsn without secrets is shown whole; a bare name is a database; one libpq cannot read is not shown at all")
    func plainAndUnreadableDSN() {
        #expect(ConfigurationSecrets.redactedDSN("host=db user=meter") == "user=meter host=db")
        #expect(!ConfigurationSecrets.isSecret(key: "dsn", value: "postgresql://meter@db/premises"))
        #expect(ConfigurationSecrets.redactedDSN("premises") == "dbname=premises")
        #expect(ConfigurationSecrets.redactedDSN("host='a b' user=meter") == "user=meter host='a b'")
        for broken in ["host=db s3cret", "postgresql://meter:s3cret@db/premises?s3cret", "host='db password=s3cret",
                       "postgresql://meter:s3cret@[::1/premises", "postgresql://meter:s3cret%zzPW@db/premises",
                       "password s3cret", "postgresql://meter:s3cret@db/premises?%zz=1"] {
            #expect(ConfigurationSecrets.redactedDSN(broken) == "(not shown: libpq cannot read it)")
            #expect(ConfigurationSecrets.isSecret(key: "dsn", value: broken))
        }
    }

    @Test("scrub removes every secret from a message, the longest first")
    func scrub() {
        #expect(PostgresConnectionString.scrub("bad: s3cret, s3 and x", secrets: ["s3", "s3cret"]) == "bad: ***, *** and x")
        #expect(PostgresConnectionString.scrub("nothing here", secrets: ["", "zz"]) == "nothing here")
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
