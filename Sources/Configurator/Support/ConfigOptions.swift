import ArgumentParser

/// `-c/--config`, shared by every subcommand that reads or writes the configuration.
struct ConfigOptions: ParsableArguments {
    static let defaultPath = "/var/lib/smartmeter-datacollector/datacollector.ini"

    @Option(name: [.short, .long],
            help: ArgumentHelp("The configuration file (the Debian service reads \(defaultPath)).", valueName: "path"))
    var config = defaultPath
}
