import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols

/// `smartmeter-config init`: the commented default configuration, as `smartmeter-datacollector --saveconfig`.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the commented default configuration (as smartmeter-datacollector --saveconfig).",
        discussion: """
            Every key of every section is written with its help as a comment: an L+G E450 on /dev/ttyUSB0, a logger \
            sink and an MQTT sink to 127.0.0.1, the web page on 127.0.0.1:8180, with CSV and JSON-lines examples \
            commented out. The file is created \
            with mode 0640 (it may hold keys and passwords) and written atomically. An existing file is never \
            replaced without --force. Edit it with 'smartmeter-config set' or a text editor, or let \
            'smartmeter-config wizard' ask you instead.
            Exit status: 0 written, 1 the file exists (without --force) or cannot be written.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Replace an existing file.")
    var force = false

    func run() throws {
        if FileManager.default.fileExists(atPath: options.config) && !force {
            Console.fail("init", "\(options.config) exists; use --force to replace it")
            throw ExitCode(1)
        }
        do {
            try ConfigurationFile.writeAtomically(DefaultConfiguration.text, to: options.config)
        } catch {
            Console.fail("init", error.description)
            throw ExitCode(1)
        }
        Console.out("wrote the default configuration to \(options.config)")
    }
}
