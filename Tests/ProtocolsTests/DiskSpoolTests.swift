import Foundation
@testable import Protocols
import Testing
import TestThreads
@testable import Delivery

@Suite("Disk spool", .onOwnThread)
struct DiskSpoolTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)")
    }

    static func drain(_ spool: DiskSpool) throws -> [String] {
        var out: [String] = []
        var cursor = spool.head
        while let (payload, next) = spool.record(at: cursor) {
            out.append(String(decoding: payload, as: UTF8.self))
            cursor = next
        }
        return out
    }

    static func records(_ range: Range<Int>) -> [[UInt8]] { range.map { Array("reading-\($0)".utf8) } }

    @Test("CRC-32 check value")
    func crc() { #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926) }

    @Test("records come back in order, survive reopening, and acknowledged ones are gone")
    func orderAndPersistence() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
            try spool.append(Self.records(0..<10))
            #expect(try Self.drain(spool) == (0..<10).map { "reading-\($0)" })
            // Acknowledge the first three.
            var cursor = spool.head
            for _ in 0..<3 { cursor = spool.record(at: cursor)!.next }
            try spool.acknowledge(upTo: cursor)
        }
        let reopened = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
        #expect(try Self.drain(reopened) == (3..<10).map { "reading-\($0)" })
        try reopened.acknowledge(upTo: reopened.end)
        #expect(reopened.isEmpty)
        let again = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
        #expect(again.isEmpty)
        #expect(try Self.drain(again).isEmpty)
    }

    @Test("a torn tail from a crash mid-write is cut off on open; the complete records stay")
    func tornTail() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DiskSpool(directory: directory, maximumBytes: 1 << 20).append(Self.records(0..<5))
        let data = directory.appendingPathComponent("spool.dat")
        let full = try Data(contentsOf: data)
        for cut in [1, 5, 9, 12] {
            try full.dropLast(cut).write(to: data)
            let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
            #expect(try Self.drain(spool) == (0..<4).map { "reading-\($0)" }, "cut \(cut)")
            #expect(spool.discardedTailBytes > 0)
        }
        // Garbage appended after valid records (a half-written header) is dropped too.
        try (full + Data([0xFF, 0xFF, 0x00])).write(to: data)
        #expect(try Self.drain(DiskSpool(directory: directory, maximumBytes: 1 << 20)).count == 5)
    }

    @Test("a flipped byte inside a record stops reading there: no damaged record is ever returned")
    func corruptRecord() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DiskSpool(directory: directory, maximumBytes: 1 << 20).append(Self.records(0..<5))
        let data = directory.appendingPathComponent("spool.dat")
        var bytes = [UInt8](try Data(contentsOf: data))
        bytes[8 + 9 + 8 + 3] ^= 0x20   // inside the second record's payload
        try Data(bytes).write(to: data)
        #expect(try Self.drain(DiskSpool(directory: directory, maximumBytes: 1 << 20)) == ["reading-0"])
    }

    @Test("a damaged head file replays from the start: duplicates, never loss")
    func damagedHead() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
        try spool.append(Self.records(0..<4))
        try spool.acknowledge(upTo: spool.record(at: spool.head)!.next)
        try Data([1, 2, 3]).write(to: directory.appendingPathComponent("spool.head"))
        #expect(try Self.drain(DiskSpool(directory: directory, maximumBytes: 1 << 20)).count == 4)
    }

    @Test("past the bound the oldest records are dropped and counted; order is kept through compaction")
    func bound() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 4096)
        for batch in 0..<100 {
            try spool.append(Self.records((batch * 10)..<(batch * 10 + 10)))
        }
        #expect(spool.pendingBytes <= 4096)
        #expect(spool.droppedRecords > 0)
        let left = try Self.drain(spool)
        #expect(left.last == "reading-999")
        let numbers = left.map { Int($0.dropFirst(8))! }
        #expect(numbers == Array(numbers.first!...999), "contiguous and in order")
        #expect(numbers.count + spool.droppedRecords == 1000)
        // The file does not keep growing: delivered prefixes are compacted away.
        let size = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("spool.dat").path)[.size] as! Int
        #expect(size <= 2 * 4096 + 200)
    }

    @Test("a reader's cursor stays valid when acknowledging compacts or empties the file")
    func cursorsAcrossCompaction() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 4096)
        var cursor = spool.head
        var received: [String] = []
        var next = 0
        for _ in 0..<60 {
            try spool.append(Self.records(next..<(next + 7)))
            next += 7
            // Read five, acknowledge what was read (the delivered prefix grows past the bound: compaction).
            for _ in 0..<5 {
                guard let (payload, after) = spool.record(at: cursor) else { break }
                received.append(String(decoding: payload, as: UTF8.self))
                cursor = after
            }
            try spool.acknowledge(upTo: cursor)
        }
        while let (payload, after) = spool.record(at: cursor) {
            received.append(String(decoding: payload, as: UTF8.self))
            cursor = after
        }
        #expect(spool.droppedRecords == 0)
        #expect(received == (0..<next).map { "reading-\($0)" })
    }

    /// A clock the test moves by hand, for the spool's head writes.
    final class ManualClock {
        var now: Double
        init(_ now: Double) { self.now = now }
    }

    @Test("a crash between head writes replays some delivered records and never skips an undelivered one, whatever the uptime",
          arguments: [0.0, 5.0, 600.0, 3599.0, 1_000_000.0])
    func crashBetweenHeadWrites(uptime: Double) throws {
        let directory = Self.temporaryDirectory()
        let crashed = Self.temporaryDirectory()
        let crashedLater = Self.temporaryDirectory()
        defer {
            for folder in [directory, crashed, crashedLater] { try? FileManager.default.removeItem(at: folder) }
        }
        let clock = ManualClock(uptime)
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20, clock: { clock.now })
        spool.headSyncInterval = 3600
        try spool.append(Self.records(0..<20))
        var cursor = spool.head
        for _ in 0..<12 { cursor = spool.record(at: cursor)!.next }
        try spool.acknowledge(upTo: cursor)   // the first acknowledgement is written at once
        clock.now += 3599
        for _ in 0..<5 { cursor = spool.record(at: cursor)!.next }
        try spool.acknowledge(upTo: cursor)   // this one waits for the interval
        try spool.append(Self.records(20..<25))
        // The files as a crash would leave them, with the spool still open.
        try FileManager.default.copyItem(at: directory, to: crashed)
        let recovered = try Self.drain(DiskSpool(directory: crashed, maximumBytes: 1 << 20))
        #expect(recovered == (12..<25).map { "reading-\($0)" }, "replays 12...16, loses nothing")
        // The interval counts from the last write: one more second and the next acknowledgement is written.
        clock.now += 1
        cursor = spool.record(at: cursor)!.next
        try spool.acknowledge(upTo: cursor)
        try FileManager.default.copyItem(at: directory, to: crashedLater)
        #expect(try Self.drain(DiskSpool(directory: crashedLater, maximumBytes: 1 << 20)) == (18..<25).map { "reading-\($0)" })
        try spool.flush()
        #expect(try Self.drain(DiskSpool(directory: directory, maximumBytes: 1 << 20)) == (18..<25).map { "reading-\($0)" })
    }

    @Test("the first acknowledgement after reopening is written at once, also when the spool wrote its head on opening")
    func firstWriteAfterReopening() throws {
        let directory = Self.temporaryDirectory()
        let crashed = Self.temporaryDirectory()
        defer { for folder in [directory, crashed] { try? FileManager.default.removeItem(at: folder) } }
        do {
            let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20, clock: { 1 })
            try spool.append(Self.records(0..<10))
        }
        // A head beyond the data file's end makes the opening spool write its head.
        let head = directory.appendingPathComponent("spool.head")
        var bytes = [UInt8](repeating: 0, count: 12)
        bytes[0] = 0xFF; bytes[1] = 0xFF
        let crc = CRC32.checksum(bytes[0..<8])
        for i in 0..<4 { bytes[8 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        try Data(bytes).write(to: head)
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20, clock: { 2 })
        spool.headSyncInterval = 3600
        #expect(try Self.drain(spool).isEmpty, "a head past the end means nothing is waiting")
        try spool.append(Self.records(10..<14))
        let cursor = spool.record(at: spool.head)!.next
        try spool.acknowledge(upTo: cursor)
        try FileManager.default.copyItem(at: directory, to: crashed)
        #expect(try Self.drain(DiskSpool(directory: crashed, maximumBytes: 1 << 20)) == (11..<14).map { "reading-\($0)" })
    }

    /// Records whose lengths have zero low bytes (256, 512, 65 536) end a punched range inside their header.
    static func sizedRecords(_ sizes: [Int]) -> [[UInt8]] {
        sizes.enumerated().map { index, size in Array(repeating: UInt8(0x41 + index), count: size) }
    }

    @Test("a head left inside a punched range (blocks given back on a full disk) skips the zeros to the next waiting record",
          arguments: [[1, 2, 3, 4, 5, 6, 7, 8], [256, 512, 13, 65_536, 256, 9, 512, 1024], [65_536, 131_072, 3, 256, 4096, 77, 1, 2]])
    func headInsidePunchedRange(_ sizes: [Int]) throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = Self.sizedRecords(sizes)
        let headFile = directory.appendingPathComponent("spool.head")
        var staleHeads: [Data?] = [nil]   // no head file at all: replay from the start
        do {
            let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
            try spool.append(records)
            var cursor = spool.head
            for index in 0..<5 {
                cursor = spool.record(at: cursor)!.next
                try spool.acknowledge(upTo: cursor)
                try spool.flush()
                if index < 4 { staleHeads.append(try Data(contentsOf: headFile)) }   // heads that lag behind
            }
            // Records 0...4 delivered; their blocks go back to the file system.
            let before = try Self.allocatedBlocks(directory)
            #expect(spool.punchHole(upTo: spool.physicalHead))
            #expect(try Self.allocatedBlocks(directory) <= before)
        }
        let expected = records[5...].map { String(decoding: $0, as: UTF8.self) }
        for stale in staleHeads {
            if let stale { try stale.write(to: headFile) } else { try? FileManager.default.removeItem(at: headFile) }
            let reopened = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
            #expect(try Self.drain(reopened) == expected, "sizes \(sizes)")
            #expect(reopened.discardedTailBytes == 0)
        }
    }

    static func allocatedBlocks(_ directory: URL) throws -> Int {
        var status = stat()
        #expect(stat(directory.appendingPathComponent("spool.dat").path, &status) == 0)
        return Int(status.st_blocks)
    }
}
