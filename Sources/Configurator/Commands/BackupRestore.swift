import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols
import Delivery

/// Which database `backup` and `restore` use: `--db`, else the first postgresql/timescaledb sink of the configuration.
struct DatabaseOptions: ParsableArguments {
    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("A libpq connection string or postgresql:// URI (default: the first postgresql or timescaledb sink of the configuration).",
                               valueName: "dsn"))
    var db: String?

    @Option(name: .customLong("db-file"), help: ArgumentHelp("Instead of --db: read the connection string from this file ('-': standard input).", valueName: "path"))
    var dbFile: String?

    mutating func validate() throws {
        db = try SecretInput.resolve(db, option: "--db", file: dbFile, fileOption: "--db-file")
        dbFile = nil
    }

    func settings(command: String) throws -> PostgresSettings {
        if let db { return PostgresSettings(dsn: db) }
        let document = try ConfigurationFile.load(options.config, command: command)
        guard let section = document.sections.first(where: {
            $0.name.hasPrefix("sink") && ["postgresql", "timescaledb"].contains($0.value("type")?.lowercased() ?? "")
        }) else {
            Console.fail(command, "\(options.config) has no postgresql or timescaledb sink; give --db")
            throw ExitCode(2)
        }
        return PostgresSinkSettings(section, timescale: .hypertablesOnly).connection
    }

    func connect(command: String) throws -> PostgresConnection {
        let settings = try settings(command: command)
        do {
            return try settings.connect()
        } catch {
            Console.fail(command, "\(settings.address): \(error.description)")
            throw ExitCode(1)
        }
    }
}

/// `smartmeter-config backup`
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the readings stored in PostgreSQL to one CSV file per table.",
        discussion: """
            Writes elec_measurement.csv, mbus_measurement.csv, peak_demand.csv and peak_demand_history.csv into the \
            folder: a header line, then one row per line ordered by time, times in UTC. --from and --to take a \
            date or a time ('2024-01-01', '2024-01-01 12:00+01'); --to is exclusive. 'restore' loads such a folder \
            back. Exit status: 0 written, 1 the database or a file failed, 2 bad arguments or configuration.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Only this meter (the device_id column).", valueName: "id"))
    var device: String?

    @Option(help: ArgumentHelp("First time to include.", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("Time to stop before.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Folder for the CSV files (created when missing).", valueName: "dir"))
    var out: String

    func run() throws {
        let connection = try database.connect(command: "backup")
        defer { connection.close() }
        do {
            let counts = try PremisesBackup.backup(connection, filter: .init(device: device, from: from, to: to),
                                                   to: URL(fileURLWithPath: out))
            for (table, count) in counts { Console.out("\(table): \(count) rows -> \(out)/\(table).csv") }
        } catch {
            Console.fail("backup", "\(error)")
            throw ExitCode(1)
        }
    }
}

/// `smartmeter-config restore`
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a folder written by 'backup' into PostgreSQL.",
        discussion: """
            Creates the tables when missing and inserts every row of the CSV files found in the folder; rows already \
            stored are left as they are, so a restore can be repeated. Exit status: 0 loaded, 1 the database or a \
            file failed, 2 bad arguments or configuration.
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("Folder with the CSV files.", valueName: "dir"))
    var folder: String

    func run() throws {
        let connection = try database.connect(command: "restore")
        defer { connection.close() }
        do {
            let results = try PremisesBackup.restore(connection, from: URL(fileURLWithPath: folder))
            guard !results.isEmpty else {
                Console.fail("restore", "\(folder) holds none of \(PremisesSchema.tables.map { $0 + ".csv" }.joined(separator: ", "))")
                throw ExitCode(1)
            }
            for (table, read, added) in results {
                Console.out("\(table): \(read) rows read, \(added) added, \(read - added) already stored")
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.fail("restore", "\(error)")
            throw ExitCode(1)
        }
    }
}
