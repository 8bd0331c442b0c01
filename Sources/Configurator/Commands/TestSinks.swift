import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols
import Synchronization
import Delivery
import SystemSupport

/// `smartmeter-config test-sinks`
struct TestSinks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-sinks",
        abstract: "Connect to every configured sink and report success or the precise reason it fails.",
        discussion: """
            MQTT sinks (mqtt, mqttrldsp, mqttjson) connect to their broker exactly as the collector does (host, port, \
            TLS with CA file or the system's store, host name check, client certificate, username and password), \
            with the client id suffixed '-test' so a running collector keeps its session; nothing is published. \
            PostgreSQL sinks (postgresql, timescaledb) log in as the collector does and report the server \
            version, whether the tables exist or can be created, and whether TimescaleDB is there; nothing is \
            written. CSV and JSON-lines sinks check that their folder can be written; the logger always works.
            Exit status: 0 every sink works, 1 at least one fails (or the configuration has problems), 2 the file \
            cannot be read.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Seconds to wait for each broker.", valueName: "n"))
    var timeout: Double = 10

    @Argument(help: ArgumentHelp("Only these sinks, for example sink1 (default: all).", valueName: "sinkN"))
    var only: [String] = []

    func run() throws {
        let effective = EffectiveConfiguration(try ConfigurationFile.load(options.config, command: "test-sinks"),
                                               location: .file(options.config))
        let document = effective.document
        let validator = ConfigurationValidator(documentLocation: effective.location)
        let validation = effective.validated()
        let problems: [ConfigurationProblem]
        if case .failure(let errors) = validation { problems = errors.problems } else { problems = [] }
        var failures = 0
        var tested = 0
        for section in document.sections where section.name.hasPrefix("sink") {
            if !only.isEmpty && !only.map({ $0.lowercased() }).contains(section.name) { continue }
            tested += 1
            let type = section.value("type")?.lowercased() ?? "?"
            let label = "[\(section.name)] \(type)"
            let own = problems.filter { $0.section == section.name }
            if !own.isEmpty {
                Console.out("\(label): FAILED: invalid configuration:")
                for problem in own { Console.out("    \(problem)") }
                failures += 1
                continue
            }
            let result: Result<String, Failure>
            switch validator.sink(section) {
            case .success(let sink): result = test(sink)
            case .failure(let errors): result = .failure(Failure(text: "invalid configuration: \(errors)"))
            }
            switch result {
            case .success(let text): Console.out("\(label): OK: \(text)")
            case .failure(let reason):
                Console.out("\(label): FAILED: \(reason.text)")
                failures += 1
            }
        }
        if tested == 0 {
            Console.out(only.isEmpty ? "\(options.config): no [sinkN] section" : "no sink named \(only.joined(separator: ", "))")
            throw ExitCode(1)
        }
        if failures > 0 { throw ExitCode(1) }
    }

    struct Failure: Error { var text: String }

    private func test(_ sink: SinkConfiguration) -> Result<String, Failure> {
        switch sink.settings {
        case .mqtt(let mqtt): return testMQTT(mqtt)
        case .postgresql(let postgres): return testPostgres(postgres)
        case .csv(let directory): return testFolder(directory, create: true)
        case .jsonl(let file):
            return testFolder(URL(fileURLWithPath: file).deletingLastPathComponent().path, create: false)
                .map { _ in "\(file) can be appended to" }
        case .logger: return .success("writes to the log")
        }
    }

    private func testFolder(_ path: String, create: Bool) -> Result<String, Failure> {
        let kind = FileSystem.kind(of: path)
        if kind != .missing {
            guard kind == .directory else { return .failure(Failure(text: "\(path) is not a folder")) }
            return access(path, W_OK) == 0 ? .success("\(path) is writable")
                : .failure(Failure(text: "\(path) is not writable by this user (the service's user must write it)"))
        }
        guard create else { return .failure(Failure(text: "\(path): no such folder")) }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return access(parent, W_OK) == 0 ? .success("\(path) does not exist yet; it will be created")
            : .failure(Failure(text: "\(path) does not exist and \(parent) is not writable"))
    }

    private func testMQTT(_ sink: MQTTSinkSettings) -> Result<String, Failure> {
        // Connects exactly as the collector will, under a client id of its own (a running collector keeps its
        // session) and without the retained status topic.
        var settings = sink.connection
        settings.clientID += "-test"
        settings.statusTopic = nil
        final class Outcome: Sendable {
            let event = Mutex<MQTTClient.Event?>(nil)
            func set(_ new: MQTTClient.Event) { event.withLock { if $0 == nil { $0 = new } } }
            var value: MQTTClient.Event? { event.withLock { $0 } }
        }
        let outcome = Outcome()
        let client: MQTTClient
        do {
            client = try MQTTClient(settings: settings) { event in
                switch event {
                case .connected, .connectionFailed, .disconnected: outcome.set(event)
                case .published, .refused, .message: break
                }
            }
            try client.start()
        } catch {
            return .failure(Failure(text: "\(settings.address): \(error)"))
        }
        defer { client.close() }
        let deadline = MonotonicClock.system.deadline(after: .seconds(timeout))
        while outcome.value == nil, MonotonicClock.system.now < deadline { MonotonicClock.sleep(for: .milliseconds(20)) }
        let how = [settings.tls ? "TLS" + (settings.caFile == nil ? " (system CA store)" : "") : nil,
                   settings.clientCertificate != nil ? "client certificate" : nil,
                   settings.username.map { "user \($0)" }].compactMap { $0 }
        switch outcome.value {
        case .connected?:
            return .success("connected to \(settings.address)" + (how.isEmpty ? "" : " with " + how.joined(separator: ", ")))
        case .connectionFailed(let reason)?, .disconnected(let reason)?:
            return .failure(Failure(text: reason))
        case .published?, .refused?, .message?, nil:
            return .failure(Failure(text: "\(settings.address): no answer within \(Detect.format(timeout)) s (firewall, wrong host or port?)"))
        }
    }

    private func testPostgres(_ sink: PostgresSinkSettings) -> Result<String, Failure> {
        var settings = sink.connection
        settings.connectTimeout = max(1, Int(timeout.rounded(.up)))
        settings.applicationName = "smartmeter-config"
        let connection: PostgresConnection
        do {
            connection = try settings.connect()
        } catch {
            return .failure(Failure(text: "\(settings.address): \(error.description)"))
        }
        defer { connection.close() }
        do {
            let user = try connection.execute("SELECT current_user, current_database()").first ?? []
            let present = try connection.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY($1::text[])",
                [PostgresArray.literal(PremisesSchema.tables)]).first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
            var text = "connected to \(settings.address) (PostgreSQL \(connection.serverVersion)) as \(user.first.flatMap { $0 } ?? "?")"
            if present == PremisesSchema.tables.count {
                text += "; the tables exist"
            } else {
                let canCreate = try connection.execute("SELECT has_schema_privilege(current_schema(), 'CREATE')").first?.first == "t"
                guard canCreate else {
                    return .failure(Failure(text: text + ", but \(present) of the \(PremisesSchema.tables.count) tables exist and this user may not create tables in schema \(try connection.execute("SELECT current_schema()").first?.first.flatMap { $0 } ?? "?")"))
                }
                text += "; the tables will be created at the first start"
            }
            text += "; " + (try TimescaleStatus.probe(connection)).description
            return .success(text)
        } catch {
            return .failure(Failure(text: "\(settings.address): \(error.description)"))
        }
    }
}
