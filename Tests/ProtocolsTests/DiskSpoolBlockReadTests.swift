import Foundation
import Testing
import TestSupport
@testable import Delivery
import Protocols
import TestThreads

/// Issue #19: the PostgreSQL inserter reads its batches from the spool in blocks (`records(from:before:limit:)`)
/// rather than two reads per record, and checks each with a CRC-32 taken eight bytes at a time.
@Suite("Disk spool: block reads, CRC-32", .onOwnThread)
struct DiskSpoolBlockReadTests {
    /// The byte-at-a-time CRC-32 the spool used before: the reference for the sliced one.
    static func bitwiseCRC32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    @Test("CRC-32 eight bytes at a time equals the bitwise one for every length 0 to 300 and every alignment")
    func slicedCRC() {
        var generator = SeededGenerator(seed: 19)
        let bytes = (0..<320).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<8 {
            for length in 0...300 {
                let slice = Array(bytes[start..<start + length])
                #expect(CRC32.checksum(bytes[start..<start + length]) == Self.bitwiseCRC32(slice), "start \(start) length \(length)")
            }
        }
    }

    @Test("block reads return what record(at:) returns: limits, a stop offset, a record longer than a block")
    func blocks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spoolblocks-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 8 << 20)
        var generator = SeededGenerator(seed: 7)
        var records: [[UInt8]] = (0..<3000).map { index in
            (0..<Int.random(in: 0...400, using: &generator)).map { UInt8(truncatingIfNeeded: index &+ $0) }
        }
        records[1234] = [UInt8](repeating: 0xAB, count: DiskSpool.readBlock + 1000)
        try spool.append(records)
        // One record at a time, the reference.
        var offsets: [DiskSpool.Offset] = [spool.head]
        while let (payload, next) = spool.record(at: offsets.last!) {
            #expect(payload == records[offsets.count - 1])
            offsets.append(next)
        }
        #expect(offsets.count == records.count + 1)
        let all = spool.records(from: spool.head, limit: Int.max)
        #expect(all.payloads == records)
        #expect(all.next == offsets.last!)
        let some = spool.records(from: offsets[100], limit: 500)
        #expect(some.payloads == Array(records[100..<600]))
        #expect(some.next == offsets[600])
        let stopped = spool.records(from: offsets[1200], before: offsets[1300], limit: Int.max)
        #expect(stopped.payloads == Array(records[1200..<1300]))
        #expect(stopped.next == offsets[1300])
        #expect(spool.records(from: offsets.last!, limit: 10).payloads.isEmpty)
        try spool.acknowledge(upTo: offsets[2000])
        #expect(spool.records(from: offsets[1999], limit: 10).payloads.isEmpty, "before the head: nothing")
        #expect(spool.records(from: spool.head, limit: 1).payloads == [records[2000]])
    }
}
