import ArgumentParser
import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

@main
struct SmartmeterConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartmeter-config",
        abstract: "Configure smartmeter-datacollector and check meters, keys and captures.",
        version: ProductVersion.current,
        subcommands: [Validate.self, Init.self, Wizard.self, Show.self, SetKeys.self, AddReader.self, AddSink.self,
                      Remove.self, Detect.self, TestSinks.self, Restart.self, Decode.self, Backup.self, Restore.self,
                      WebPassword.self, Serve.self]
    )

    /// Usage errors exit with status 2 (not the parser's 64), as our commands document.
    static func main() {
        // Every subcommand may hold a key or a password (arguments, the configuration): no core dump, no ptrace.
        SecretMemory.protect()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code == .validationFailure else { exit(withError: error) }
            _ = FileSystem.writeAll(STDERR_FILENO, fullMessage(for: error) + "\n")
            Glibc.exit(2)
        }
    }
}
