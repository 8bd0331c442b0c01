import Foundation
import Testing
import TestSupport
import TestThreads

/// Secrets on the configurator's side: `show` never prints a password, also not inside a `dsn`; `validate` warns
/// about a file everyone can read that holds keys or passwords.
@Suite("smartmeter-config and secrets", .onOwnThread)
struct SecretsCommandTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    @Test("show hides the password of a dsn: in a URI's user part, in its query, and quoted in key=value form")
    func showHidesDSNPasswords() throws {
        let path = try scratch.write("c.ini", Ini.reader(0, "fluvius", ["port": "/dev/null"]) +
            Ini.sink(0, "postgresql", ["dsn": "postgresql://meter:Uri-Secret@db.local/premises?password=Query-Secret&sslmode=verify-full"]) +
            Ini.sink(1, "postgresql", ["dsn": "\"host=db.local user=meter password='Quoted Secret' sslmode=verify-full\""]))
        let result = try Configurator.run(["show", "-c", path])
        #expect(result.status == 0, "\(result.stderr)")
        for secret in ["Uri-Secret", "Query-Secret", "Quoted Secret", "Secret"] {
            #expect(!result.stdout.contains(secret), "\(result.stdout)")
        }
        // As libpq reads them, in libpq's order; the password written twice in the URI counts once.
        #expect(result.stdout.contains("user=meter password=*** dbname=premises host=db.local sslmode=verify-full"),
                "\(result.stdout)")
        #expect(result.stdout.contains("user=meter password=*** host=db.local sslmode=verify-full"), "\(result.stdout)")
    }

    @Test("validate warns when everyone can read a file with secrets, not when it is 0640 or holds none")
    func validateWarnsAboutReadableSecrets() throws {
        let path = try scratch.write("c.ini",
            Ini.reader(0, "lge450", ["port": "/dev/null", "key": "0123456789ABCDEF0123456789ABCDEF"]) +
            Ini.sink(0, "csv", ["directory": "/tmp"]))
        chmod(path, 0o644)
        let readable = try Configurator.run(["validate", "-c", path])
        #expect(readable.status == 0)
        #expect(readable.stdout.contains("\(path): warning: \(path) is readable by every user of this machine and holds secrets "
                                         + "([reader0] key); make it readable by the collector only: chmod 640 \(path)"),
                "\(readable.stdout)")
        chmod(path, 0o640)
        #expect(!(try Configurator.run(["validate", "-c", path])).stdout.contains("readable by every user"))
        let plain = try scratch.write("plain.ini", "[reader0]\ntype = lge450\nport = /dev/null\n[sink0]\ntype = csv\ndirectory = /tmp\n")
        chmod(plain, 0o644)
        #expect(!(try Configurator.run(["validate", "-c", plain])).stdout.contains("readable by every user"))
    }
}
