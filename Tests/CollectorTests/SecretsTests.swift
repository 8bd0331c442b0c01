import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// Keys and passwords stay out of every log line; the configuration file is private to the collector and it says so
/// when not; TLS verification is on unless turned off, and turning it off is said at every start.
@Suite("Secrets and TLS warnings", .onOwnThread, .serialized)
struct SecretsTests {
    /// The secrets of the configuration below, as they must never appear.
    static let key = "F08660A6C19D2048556BF623AB0257E6"   // lge450-encrypted-gbt's key (its .json)
    static let authenticationKey = "00112233445566778899AABBCCDDEEFF"
    static let secrets = [key, key.lowercased(), authenticationKey, "Br0ker-Passw0rd", "Env-Passw0rd", "Pg-Passw0rd",
                          "Uri-Passw0rd", "Query-Passw0rd", "Quoted Passw0rd"]

    @Test("at debug level, with every sink failing and a message failing authentication, no key or password reaches the log")
    func secretsNeverLogged() throws {
        let directory = try TestFolder()
        let broker = try MosquittoBroker(passwords: ["meter": "something-else"])
        let closed = FreePort.find()
        let ini = try directory.write("c.ini", Ini.reader(0, "lge450", ["file": testdata.appendingPathComponent("lge450-encrypted-gbt.hex").path,
                                     "key": Self.key, "auth_key": Self.authenticationKey]) +
            Ini.reader(1, "lge450", ["file": testdata.appendingPathComponent("lge450-encrypted-gbt.hex").path,
                                     "key": Self.key.lowercased()]) +
            Ini.sink(0, "mqtt", ["host": "127.0.0.1", "port": broker.port, "username": "meter",
                                 "password": "Br0ker-Passw0rd", "spool_dir": directory.file("spool0")]) +
            Ini.sink(1, "postgresql", ["host": "127.0.0.1", "port": closed, "user": "meter",
                                       "password": "Pg-Passw0rd", "spool_dir": directory.file("spool1")]) +
            Ini.sink(2, "postgresql", ["dsn": "postgresql://meter:Uri-Passw0rd@127.0.0.1:\(closed)/premises?password=Query-Passw0rd&sslmode=disable",
                                       "spool_dir": directory.file("spool2")]) +
            Ini.sink(3, "timescaledb", ["dsn": "host=127.0.0.1 port=\(closed) user=meter password='Quoted Passw0rd' dbname=premises",
                                        "spool_dir": directory.file("spool3")]) +
            Ini.sink(4, "logger") +
            Ini.logging("DEBUG"))
        let result = try runCollector(["-d", "-c", ini], environment: ["SMARTMETER__SINK0__PASSWORD": "Env-Passw0rd"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = result.stdout + result.stderr
        for secret in Self.secrets {
            #expect(!output.contains(secret), "\(secret) appears in the output")
        }
        // What the log does say instead: the values exist, masked; the failures are named.
        #expect(result.stderr.contains("[reader0] key = (set) from \(ini):4"), "\(result.stderr)")
        #expect(result.stderr.contains("[sink0] password = (set) from environment SMARTMETER__SINK0__PASSWORD"))
        // A dsn as libpq reads it, in libpq's order, with the hidden values as ***.
        #expect(result.stderr.contains("dsn = user=meter password=*** dbname=premises host=127.0.0.1 port=\(closed) sslmode=disable"),
                "\(result.stderr)")
        #expect(result.stderr.contains("dsn = user=meter password=*** dbname=premises host=127.0.0.1 port=\(closed)"))
        #expect(result.stderr.contains("not authorised"), "the refused login is logged")
        #expect(result.stderr.contains("authentication"), "the failed GCM tag is logged: \(result.stderr)")
        #expect(result.stdout.contains("Active Energy +"), "reader1 decrypted its message with the key")
    }

    @Test("a key with a typo is refused without being repeated: the error names the position of the wrong character")
    func invalidKeyNotEchoed() throws {
        let directory = try TestFolder()
        let typo = "F08660A6C19D2048556BF623AB0257EX"
        let ini = try directory.write("c.ini", "[reader0]\ntype = lge450\nport = /dev/ttyUSB0\nkey = \(typo)\n[sink0]\ntype = logger\n")
        let result = try runCollector(["-c", ini])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[reader0] key: character 32 is not a hex digit"), "\(result.stderr)")
        #expect(!result.stderr.contains(typo) && !result.stderr.contains(String(typo.prefix(16))))
    }

    @Test("--saveconfig writes mode 0640; a file readable by everyone that holds secrets is warned about at every start")
    func configurationFileMode() throws {
        let directory = try TestFolder()
        let saved = directory.file("saved.ini")
        #expect(try runCollector(["--saveconfig", "-c", saved]).status == 0)
        #expect(try Self.mode(saved) == 0o640)

        let capture = LGE450Capture.path
        let withSecrets = try directory.write("secrets.ini", Ini.reader(0, "lge450", ["file": capture, "key": Self.authenticationKey]) +
            Ini.sink(0, "jsonl", ["file": directory.file("r.jsonl")]) +
            Ini.sink(1, "mqtt", ["host": "127.0.0.1", "port": FreePort.find(), "username": "meter",
                                 "password": "Br0ker-Passw0rd", "spool_dir": directory.file("spool")]))
        let warning = "\(withSecrets) is readable by every user of this machine and holds secrets ([reader0] key, [sink1] password); "
            + "make it readable by the collector only: chmod 640 \(withSecrets)"
        chmod(withSecrets, 0o644)
        for _ in 0..<2 {
            let run = try runCollector(["-c", withSecrets])
            #expect(run.status == 0)
            #expect(run.stderr.contains("WARNING collector: " + warning), "\(run.stderr)")
        }
        chmod(withSecrets, 0o640)
        #expect(!(try runCollector(["-c", withSecrets])).stderr.contains("readable by every user"))
        // Secrets only in the environment, or none at all: nothing to warn about.
        let plain = try directory.write("plain.ini", "[reader0]\ntype = lge450\nfile = \(capture)\n[sink0]\ntype = jsonl\nfile = \(directory.file("p.jsonl"))\n")
        chmod(plain, 0o644)
        let run = try runCollector(["-c", plain], environment: ["SMARTMETER__READER0__KEY": Self.authenticationKey])
        #expect(!run.stderr.contains("readable by every user"), "\(run.stderr)")
    }

    @Test("TLS is verified by default (a certificate for another host is refused); check_hostname = False and an unverified remote PostgreSQL are warned about at every start")
    func tlsVerification() throws {
        let directory = try TestFolder()
        let certificates = try TestCertificates.shared()
        let broker = try MosquittoBroker(listenerOptions: [
            "cafile \(certificates.caCertificate)", "certfile \(certificates.mismatchedServerCertificate)",
            "keyfile \(certificates.mismatchedServerKey)"])
        func run(_ sinkKeys: String) throws -> String {
            let ini = try directory.write("c.ini", Ini.reader(0, "lge450", ["file": LGE450Capture.path]) +
                Ini.sink(0, "mqtt", ["host": "127.0.0.1", "port": broker.port, "tls": "True",
                                     "ca_file_path": certificates.caCertificate,
                                     "spool_dir": directory.file("spool")]) +
                "\(sinkKeys)\n" +
                Ini.logging("INFO"))
            let result = try runCollector(["-c", ini])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stderr
        }
        let verified = try run("")
        #expect(verified.contains("host name verification failed"), "the default checks the host name: \(verified)")
        #expect(!verified.contains("check_hostname = False"))
        for _ in 0..<2 {
            let unverified = try run("check_hostname = False")
            #expect(unverified.contains("WARNING sink: check_hostname = False: the broker's certificate is not checked against '127.0.0.1'"),
                    "\(unverified)")
            #expect(unverified.contains("connected to mqtts://127.0.0.1"), "\(unverified)")
        }

        func postgres(_ keys: String) throws -> String {
            let ini = try directory.write("p.ini", Ini.reader(0, "lge450", ["file": LGE450Capture.path]) +
                Ini.sink(0, "postgresql", ["spool_dir": directory.file("pg-spool")]) +
                "\(keys)\n")
            return try runCollector(["-c", ini]).stderr
        }
        #expect(try postgres("host = db.invalid").contains(
            "WARNING sink: sslmode = prefer to db.invalid: the server's certificate is not verified"))
        #expect(try postgres("host = db.invalid\nsslmode = disable").contains("sslmode = disable to db.invalid: readings and password travel in plain text"))
        #expect(!(try postgres("host = db.invalid\nsslmode = verify-full")).contains("sslmode ="))
        #expect(!(try postgres("host = 127.0.0.1\nsslmode = disable")).contains("sslmode ="))
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test("the collector holding a key cannot be dumped or traced: run as nobody, its /proc files belong to root",
          .enabled(if: getuid() == 0))
    func notDumpable() throws {
        let directory = try TestFolder()
        _ = chmod(directory.path, 0o755)
        let ini = try directory.write("c.ini", """
            [reader0]
            type = lge450
            port = /dev/ttyNOPE7
            key = 0123456789ABCDEF0123456789ABCDEF

            [sink0]
            type = logger
            """)
        _ = chmod(ini, 0o644)
        let collector = try launchCollector(["-c", ini], wrapper: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        defer { collector.signal(SIGTERM); _ = collector.waitForExit(timeout: 5) }
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("cannot open /dev/ttyNOPE7") }, "\(collector.stderr.contents)")
        var status = stat()
        #expect(stat("/proc/\(collector.pid)/status", &status) == 0)
        #expect(status.st_uid == 0, "a dumpable process of nobody owns its /proc files (uid \(status.st_uid))")
        // The same setpriv without our binary: a dumpable process of nobody owns them.
        let sleeper = try RunningProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sleep", "5"])
        defer { sleeper.signal(SIGKILL); _ = sleeper.waitForExit(timeout: 5) }
        #expect(eventually(timeout: 5) { stat("/proc/\(sleeper.pid)/status", &status) == 0 && status.st_uid == 65534 },
                "uid \(status.st_uid)")
    }
}
