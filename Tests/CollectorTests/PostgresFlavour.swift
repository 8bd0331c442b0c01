import Foundation
import TestSupport

/// The servers the PostgreSQL sink tests run against: plain PostgreSQL 15 with a `postgresql` sink, and PostgreSQL
/// 15 preloading TimescaleDB with a `timescaledb` sink (default options: hypertables, compression, aggregates). The
/// second only where TimescaleDB is installed or buildable (`TimescaleDBForTests`); otherwise its cases are left
/// out and the reason printed once.
enum PostgresFlavour: String, CaseIterable, CustomStringConvertible, Sendable {
    case plain
    case timescale

    var description: String { rawValue }

    var sinkType: String {
        switch self {
        case .plain: return "postgresql"
        case .timescale: return "timescaledb"
        }
    }

    func server() throws -> PostgresServer {
        switch self {
        case .plain: return try PostgresServer()
        case .timescale: return try PostgresServer(preloadTimescaleDB: true)
        }
    }

    static let testable: [PostgresFlavour] = {
        guard TimescaleDBForTests.isAvailable else {
            print("PostgreSQL tests on TimescaleDB left out: \(TimescaleDBForTests.skipReason)")
            return [.plain]
        }
        return allCases
    }()
}
