import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// Issue #16: the meter is untrusted input. A reading PostgreSQL cannot store (a NUL in the meter's id, a value
/// beyond `real`, an id too long for the primary key's index) costs that reading only: the readings of both meters
/// before and after it, in the same batch, are stored exactly once.
@Suite("PostgreSQL sink: hostile meter", .onOwnThread, .serialized, .enabled(if: PostgresServer.isInstalled))
struct PostgreSQLHostileMeterTests {
    static let meters = ["METERA0001", "METERB0002"]
    static let nines = String(repeating: "9", count: 45)

    /// 6 000 letters that are not hex digits and do not compress below the btree limit.
    static func longID(_ seed: Int) -> String {
        var generator = SeededGenerator(seed: UInt64(seed))
        let letters = Array("GHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz")
        return String((0..<6000).map { _ in letters.randomElement(using: &generator)! })
    }

    @Test("poisoned telegrams between the readings of two meters: every good reading stored once, the poisoned counted and logged once per reason")
    func poisonedTelegrams() throws {
        let server = try PostgresServer()
        let directory = try TestFolder()
        var stream: [UInt8] = []
        let count = 60
        var poisoned = 0
        for index in 0..<count {
            for meter in Self.meters { stream += try HostileTelegrams.telegram(id: meter, clock: HostileTelegrams.clock(index)) }
            switch index % 6 {
            case 1: stream += try HostileTelegrams.telegram(id: "POISON\0NUL", clock: HostileTelegrams.clock(index))
            case 3: stream += try HostileTelegrams.telegram(id: Self.meters[0], clock: HostileTelegrams.clock(1000 + index),
                                                            returned: Self.nines)
            case 5: stream += try HostileTelegrams.telegram(id: Self.longID(index),
                                                            clock: HostileTelegrams.clock(index))
            default: continue
            }
            poisoned += 1
        }
        let capture = directory.file("meter.txt")
        try Data(stream).write(to: URL(fileURLWithPath: capture))
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["file": capture]) + PostgreSQLSinkTests.sinkSection(server, spool: directory.file("spool")))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")

        // Each meter's reading of each second: its 18 electricity rows, once.
        let groups = try server.query("""
            SELECT device_id, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), count(*)
            FROM elec_measurement GROUP BY 1, 2 ORDER BY 1, 2
            """)
        let expected = Self.meters.flatMap { meter in (0..<count).map { [meter, HostileTelegrams.utc($0), "18"] } }
        #expect(groups.map { $0.map { $0 ?? "NULL" } } == expected, "\(result.stderr)")
        #expect(try server.query("SELECT count(*) FROM peak_demand").first?[0] == "2")
        #expect(try server.query("SELECT count(*) FROM mbus_measurement").first?[0] == "\(2 * 2)")

        #expect(result.stderr.contains("\(poisoned) readings left out"), "\(result.stderr)")
        for reason in ["NUL in a text", "value outside the range of real", "id longer than 256 bytes"] {
            #expect(result.stderr.components(separatedBy: reason).count == 2, "logged once: \(reason) in \(result.stderr)")
        }
        #expect(!result.stderr.contains("refused and skipped"), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.longID(5).prefix(300)), "the long id is not logged")
    }
}
