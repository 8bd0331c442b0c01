import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// Issue #16: the meter is untrusted input. Ids without end cannot run the CSV sink out of descriptors, an id cannot
/// make a file name too long or share another meter's file, a meter's clock cannot make a file per day of a
/// century, and a text cannot become a spreadsheet formula; negative numbers stay numbers.
@Suite("CSV sink: hostile meter", .onOwnThread, .serialized)
struct CSVHostileMeterTests {
    static let meters = ["METERA0001", "METERB0002"]
    static let longID = String(repeating: "Y", count: 400)
    static let message = "=HYPERLINK(\"http://example.invalid/\",\"click\")"

    /// The lines of a file after the header; empty when it is missing.
    static func rows(_ path: String) -> [Substring] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").dropFirst().map { $0 }
    }

    @Test("2 000 made-up ids under ulimit -n 64 beside two real meters, odd ids, odd clocks and formulas")
    func hostileStream() throws {
        let directory = try TestFolder()
        let count = 40, flood = 2000
        var telegrams: [[UInt8]] = []
        for index in 0..<flood {
            if index % 50 == 0 {
                let second = index / 50
                telegrams.append(try HostileTelegrams.telegram(id: Self.meters[0], clock: HostileTelegrams.clock(second),
                                                               message: second == 7 ? Self.message : ""))
                telegrams.append(try HostileTelegrams.telegram(id: Self.meters[1], clock: HostileTelegrams.clock(second),
                                                               power: "-01.500"))
            }
            telegrams.append(try HostileTelegrams.telegram(id: String(format: "FLOOD%04d", index), clock: HostileTelegrams.clock(0)))
        }
        #expect(flood / 50 == count)
        telegrams.append(try HostileTelegrams.telegram(id: Self.longID, clock: HostileTelegrams.clock(0)))
        telegrams.append(try HostileTelegrams.telegram(id: "a/+/#", hex: true, clock: HostileTelegrams.clock(0)))
        telegrams.append(try HostileTelegrams.telegram(id: "a_____", clock: HostileTelegrams.clock(0)))
        telegrams.append(try HostileTelegrams.telegram(id: "METERC0003", clock: "691231235959W"))
        telegrams.append(try HostileTelegrams.telegram(id: "METERC0003", clock: "680101000000W"))
        telegrams.append(try HostileTelegrams.telegram(id: "=1+2", hex: true, clock: HostileTelegrams.clock(0)))
        let files = 2 + flood + 1 + 2 + 1 + 1

        let pty = PtyPair(directory: directory)
        try pty.plug()
        defer { pty.unplug() }
        let csv = directory.file("csv")
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["port": pty.meter]) +
            Ini.sink(0, "csv", ["directory": csv, "queue_size": "10000"]) +
            Ini.logging("INFO"))
        // The collector with 64 descriptors at most: the old sink ran out after some 50 meters.
        let collector = try RunningProcess("/bin/sh", ["-c", #"ulimit -n 64 && exec "$0" "$@""#, collectorBinary, "-c", ini])
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading fluvius on") }, "\(collector.stderr.contents)")
        for telegram in telegrams { pty.write(telegram) }
        let complete = eventually(timeout: 120) {
            ((try? FileManager.default.contentsOfDirectory(atPath: csv))?.count ?? 0) == files
                && Self.rows(csv + "/_1_2~" + FileNameEscaping.fileStem(forSource: "=1+2").split(separator: "~")[1]
                             + "_2020-05-12.csv").count > 0
        }
        #expect(complete, "\(collector.stderr.contents)")
        collector.signal(SIGINT)
        #expect(collector.waitForExit(timeout: 20) == 0)
        let stderr = collector.stderr.contents
        #expect(!stderr.contains("Too many open files"), "\(stderr)")
        #expect(!stderr.contains("cannot"), "\(stderr)")
        #expect(stderr.contains("written \(telegrams.count), failed 0, dropped (queue full) 0"), "\(stderr)")

        let names = try FileManager.default.contentsOfDirectory(atPath: csv)
        #expect(names.count == files, "\(names.filter { !$0.hasPrefix("FLOOD") })")
        #expect(names.allSatisfy { $0.utf8.count <= 100 && $0.utf8.allSatisfy { FileNameEscaping.isSafe($0) || $0 == UInt8(ascii: "~") } })

        // The two real meters: each reading's rows once, in the file of its day.
        let perReading = Self.rows(csv + "/FLOOD0000_2020-05-12.csv").count
        #expect(perReading > 20)
        for meter in Self.meters {
            let rows = Self.rows(csv + "/\(meter)_2020-05-12.csv")
            // Meter A's reading with a text message has a row more.
            let withMessage = meter == Self.meters[0] ? 7 : -1
            #expect(rows.count == count * perReading + (withMessage >= 0 ? 1 : 0), "\(meter)")
            for second in 0..<count {
                #expect(rows.filter { $0.hasPrefix(HostileTelegrams.utc(second) + ",\(meter),") }.count
                        == perReading + (second == withMessage ? 1 : 0))
            }
        }
        for index in stride(from: 0, to: flood, by: 97) {
            #expect(Self.rows(csv + String(format: "/FLOOD%04d_2020-05-12.csv", index)).count == perReading)
        }

        // Long and unsafe ids: a bounded name of their own, the id itself in the rows.
        let long = names.filter { $0.hasPrefix(String(repeating: "Y", count: 32) + "~") }
        #expect(long.count == 1 && long.allSatisfy { $0.hasSuffix("_2020-05-12.csv") }, "\(long)")
        #expect(long.first.map { Self.rows(csv + "/" + $0).allSatisfy { $0.contains("," + Self.longID + ",") } } == true)
        #expect(Self.rows(csv + "/a______2020-05-12.csv").allSatisfy { $0.contains(",a_____,") })
        let slashes = names.filter { $0.hasPrefix("a____~") }
        #expect(slashes.count == 1, "\(names.filter { $0.hasPrefix("a_") })")
        #expect(slashes.first.map { Self.rows(csv + "/" + $0).allSatisfy { $0.contains(",a/+/#,") } } == true)
        #expect(slashes.first.map { Self.rows(csv + "/" + $0).count } == perReading)

        // A meter clock in 1969 and in 2068: one file for both.
        #expect(Self.rows(csv + "/METERC0003_invalid-time.csv").count == 2 * perReading)
        #expect(!names.contains { $0.contains("_1969-") || $0.contains("_2068-") })

        // Formulas neutralised; numbers, negative ones too, as they are.
        let formula = names.filter { $0.hasPrefix("_1_2~") }
        #expect(formula.count == 1, "\(names.filter { !$0.hasPrefix("FLOOD") })")
        #expect(formula.first.map { Self.rows(csv + "/" + $0).allSatisfy { $0.contains(#","'=1+2","#) } } == true)
        let meterA = Self.rows(csv + "/\(Self.meters[0])_2020-05-12.csv")
        #expect(meterA.contains { $0.hasSuffix(#","'=HYPERLINK(""http://example.invalid/"",""click"")","#) },
                "\(meterA.filter { $0.contains("HYPERLINK") })")
        let meterB = Self.rows(csv + "/\(Self.meters[1])_2020-05-12.csv")
        let powers = meterB.filter { $0.contains(",ACTIVE_POWER_P,") }
        #expect(powers.count == count && powers.allSatisfy { $0.hasSuffix(",-1500,W") }, "\(powers.prefix(3))")
    }
}
