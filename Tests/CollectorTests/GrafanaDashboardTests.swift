import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads
import Delivery

/// The Grafana dashboards in etc/grafana/dashboards: every SQL query (panels and variables), with Grafana's macros
/// expanded as its PostgreSQL data source does, over a long range (aggregates) and a day (raw rows), runs against a
/// real PostgreSQL, plain and with TimescaleDB, filled by the collector from P1 and DLMS captures, and returns rows.
/// Grafana itself is not needed.
@Suite("Grafana dashboards", .onOwnThread, .serialized, .enabled(if: PostgresServer.isInstalled))
struct GrafanaDashboardTests {
    static let dashboards = packageRoot.appendingPathComponent("etc/grafana/dashboards")
    static let device = "1SAG3101021605"

    struct Query: CustomStringConvertible {
        var dashboard: String
        var panel: String
        var sql: String
        var description: String { "\(dashboard) / \(panel)" }
    }

    static func queries() throws -> [Query] {
        var queries: [Query] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: dashboards.path).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let data = try Data(contentsOf: dashboards.appendingPathComponent(file))
            let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            func walk(_ panels: [[String: Any]]) {
                for panel in panels {
                    for target in panel["targets"] as? [[String: Any]] ?? [] {
                        if let sql = target["rawSql"] as? String {
                            queries.append(Query(dashboard: file, panel: panel["title"] as? String ?? "?", sql: sql))
                        }
                    }
                    walk(panel["panels"] as? [[String: Any]] ?? [])
                }
            }
            walk(dashboard["panels"] as? [[String: Any]] ?? [])
            for variable in (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] {
                if let sql = variable["query"] as? String {
                    queries.append(Query(dashboard: file, panel: "variable " + (variable["name"] as? String ?? "?"), sql: sql))
                }
            }
        }
        return queries
    }

    /// A dashboard's time range: `long` holds all test data (the queries read the aggregates), `day` the day of the
    /// Fluvius captures, less than 24 hours (they read raw rows).
    struct Range: CustomStringConvertible, Sendable {
        var from: String, to: String
        static let long = Range(from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z")
        static let day = Range(from: "2020-05-11T22:00:00Z", to: "2020-05-12T21:59:59Z")
        var description: String { "\(from) to \(to)" }
    }

    /// `$__timeFilter`, `$__timeFrom`, `$__timeTo`, `$__timeGroupAlias`, `$__timeGroup`, `$__interval_ms` (one minute)
    /// and `$device` as Grafana
    /// expands them.
    static func expand(_ sql: String, _ range: Range = .long) -> String {
        var text = sql
        func replace(_ pattern: String, _ template: String) {
            let regex = try! NSRegularExpression(pattern: pattern)
            text = regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
        }
        replace(#"\$__timeFilter\((\w+)\)"#, "$1 BETWEEN '\(range.from)' AND '\(range.to)'")
        replace(#"\$__timeFrom\(\)"#, "'\(range.from)'")
        replace(#"\$__timeTo\(\)"#, "'\(range.to)'")
        replace(#"\$__timeGroupAlias\((\w+),[^)]*\)"#, "to_timestamp(floor(extract(epoch FROM $1) / 60) * 60) AS \"time\"")
        replace(#"\$__timeGroup\((\w+),[^)]*\)"#, "to_timestamp(floor(extract(epoch FROM $1) / 60) * 60)")
        replace(#"\$__interval_ms"#, "60000")
        return text.replacingOccurrences(of: "$device", with: device)
    }

    @Test("every dashboard query finds rows in tables the collector filled (aggregates for long ranges, raw rows for a day)",
          arguments: PostgresFlavour.testable)
    func everyQueryReturnsRows(_ flavour: PostgresFlavour) throws {
        let queries = try Self.queries()
        #expect(queries.count >= 16)
        #expect(Set(queries.map(\.dashboard)) == ["electricity.json", "gas-water.json", "maximum-demand.json"])

        let server = try flavour.server()
        let directory = try TestFolder()
        if flavour == .timescale {
            // Set up before the collector, whose file readers end within a second, longer than creating the extension.
            let connection = try server.connect()
            defer { connection.close() }
            #expect(try PremisesSchema.ensure(on: connection, timescale: TimescaleOptions()).hypertables)
        }
        // A minute of Fluvius telegrams (P+ rising by 1 W per second) besides the captures.
        let minute = try directory.write("minute.txt", "")
        try Data((0..<60).flatMap { try FluviusTelegrams.telegram($0) }).write(to: URL(fileURLWithPath: minute))
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["file": dsmrTestdata.appendingPathComponent("fluvius-v171.txt").path]) +
            Ini.reader(1, "fluvius", ["file": minute]) +
            Ini.reader(2, "lge450", ["file": testdata.appendingPathComponent("lge450-gbt-vse2026.hex").path]) + PostgreSQLSinkTests.sinkSection(server, spool: directory.file("spool"), type: flavour.sinkType))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")

        let connection = try server.connect()
        defer { connection.close() }
        func runAll(_ stage: String) throws {
            for query in queries {
                for range in [Range.long, Range.day] {
                    let sql = Self.expand(query.sql, range)
                    #expect(!sql.contains("$"), "a macro or variable the test does not expand: \(query)")
                    do {
                        let rows = try connection.execute(sql)
                        // Over the day only the electricity dashboard is sure to find rows (peaks are of other months).
                        if range.from == Range.long.from || query.dashboard == "electricity.json" {
                            #expect(!rows.isEmpty, "no rows, \(flavour) \(stage), \(range): \(query)\n\(sql)")
                        }
                    } catch {
                        Issue.record("\(flavour) \(stage), \(range): \(query): \(error)\n\(sql)")
                    }
                }
            }
            // The power panel sees the minute of telegrams beside the capture: two hours of the hourly aggregate over
            // the long range, two one-minute groups of raw rows over the day; P+ averages 0.0295 kW in that minute.
            let panel = queries.first { $0.panel.hasPrefix("Power: consumption") }!.sql
            for range in [Range.long, Range.day] {
                let power = try connection.execute(Self.expand(panel, range))
                #expect(power.count == 2, "\(flavour) \(stage), \(range): \(power)")
                #expect(power.compactMap { $0[1].flatMap(Double.init) }.contains { abs($0 - 0.0295) < 0.0001 }, "\(power)")
            }
        }
        try runAll("as stored")
        if flavour == .timescale {
            #expect(try connection.execute("SELECT count(*) FROM timescaledb_information.continuous_aggregates").first?.first == "3")
            try TimescaleDBForTests.pauseJobs(connection)
            for aggregate in ElecAggregate.allCases {
                try connection.execute("CALL refresh_continuous_aggregate($1::regclass, NULL, NULL)", [aggregate.name])
            }
            try runAll("after refreshing the aggregates")
        }
    }

    @Test("provisioning names the data source the dashboards use")
    func provisioning() throws {
        let datasource = try String(contentsOf: packageRoot.appendingPathComponent("etc/grafana/provisioning/datasources/premises.yaml"), encoding: .utf8)
        #expect(datasource.contains("uid: premises"))
        #expect(datasource.contains("database: premises"))
        let provider = try String(contentsOf: packageRoot.appendingPathComponent("etc/grafana/provisioning/dashboards/premises.yaml"), encoding: .utf8)
        #expect(provider.contains("folder: Premises"))
        for file in ["electricity.json", "gas-water.json", "maximum-demand.json"] {
            let text = try String(contentsOf: Self.dashboards.appendingPathComponent(file), encoding: .utf8)
            #expect(text.contains(#""uid": "premises""#), "\(file)")
            #expect(!text.contains("${DS_"), "\(file) must not need an import-time data source input")
        }
    }
}
