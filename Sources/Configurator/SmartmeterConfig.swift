import ArgumentParser

@main
struct SmartmeterConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartmeter-config",
        abstract: "Configure smartmeter-datacollector and check meters, keys and captures.",
        version: "0.1.0",
        subcommands: [Decode.self]
    )
}
