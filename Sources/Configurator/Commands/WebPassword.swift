import ArgumentParser
import Glibc
import Configuration
import Protocols

/// `smartmeter-config web-password`
struct WebPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web-password",
        abstract: "Set the password of the web configurator ('smartmeter-config serve').",
        discussion: """
            Asks for the password twice on a terminal, or reads it from --password-file (its first line; '-': \
            standard input). Stores it as a salted PBKDF2-HMAC-SHA256 hash (\(PasswordHash.defaultIterations) \
            iterations) in a file of mode 0600, by default 'web-password' beside the configuration file. The \
            password itself is stored nowhere. At least \(Self.minimumLength) characters.
            Exit status: 0 stored, 1 it could not be written, 2 bad arguments or input.
            """)

    static let minimumLength = 8

    @OptionGroup var options: ConfigOptions

    @Option(name: .customLong("hash-file"), help: ArgumentHelp("Where the hash is stored (default: web-password beside the configuration).", valueName: "path"))
    var hashFile: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("Read the password from this file ('-': standard input).", valueName: "path"))
    var passwordFile: String?

    func run() throws {
        let password = try readPassword()
        guard password.count >= Self.minimumLength else {
            throw ValidationError("the password must have at least \(Self.minimumLength) characters")
        }
        let path = hashFile ?? PasswordHash.defaultPath(forConfig: options.config)
        do {
            try PasswordHash(password: password).save(to: path)
        } catch {
            Console.fail("web-password", error.description)
            throw ExitCode(1)
        }
        Console.out("\(path): password of the web configurator set")
    }

    private func readPassword() throws -> String {
        if let passwordFile { return try SecretInput.read(passwordFile, option: "--password-file") }
        guard isatty(STDIN_FILENO) == 1 else { return try SecretInput.read("-", option: "--password-file") }
        let prompter = Prompter()
        let first = try prompter.line("New password of the web configurator", secret: true)
        let second = try prompter.line("The same again", secret: true)
        guard first == second else { throw ValidationError("the two passwords differ; nothing changed") }
        return first
    }
}
