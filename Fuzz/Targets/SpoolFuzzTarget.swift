#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The spool reader: a `DiskSpool` opened on a data file made of the fuzz bytes (a crash, a torn write or a damaged
/// disk), every record read, half of them acknowledged, one appended, and the spool opened again. Whatever the file
/// held, the record appended last must be the last one read after reopening.
///
/// Input: byte 0 bit 0 set = also write a head file whose offset is bytes 1...8 (little endian, valid CRC); the data
/// file is the rest after those 9 bytes (or after byte 0 without a head).
enum SpoolFuzzTarget {
    static let directory = FuzzScratch.directory.appendingPathComponent("spool")
    static let marker: [UInt8] = Array("fuzz-marker".utf8)

    static let target = FuzzTarget(name: "spool", run: { bytes in
        guard let flags = bytes.first else { return }
        try? FileManager.default.removeItem(at: directory)
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var data = bytes.dropFirst()
        if flags & 1 == 1 {
            guard data.count >= 8 else { return }
            let head = Array(data.prefix(8))
            data = data.dropFirst(8)
            FuzzScratch.write(head + littleEndian(CRC32.checksum(head)), to: directory.appendingPathComponent("spool.head").path)
        }
        FuzzScratch.write(Array(data), to: directory.appendingPathComponent("spool.dat").path)

        do {
            let spool = try DiskSpool(directory: directory, maximumBytes: 4096)
            let records = readAll(spool)
            if records.count > 1 { try spool.acknowledge(upTo: records[records.count / 2].offset) }
            try spool.append(marker)
        } catch {
            preconditionFailure("spool on a fuzzed file: \(error)")
        }
        let reopened = try! DiskSpool(directory: directory, maximumBytes: 4096)
        let last = readAll(reopened).last
        precondition(last?.payload == marker, "the record appended last was not read back last after reopening")
    }, seeds: { _ in
        // Spool files written by DiskSpool itself (as DiskSpoolTests do): empty, a few records, a torn tail.
        var seeds: [FuzzTarget.Seed] = []
        let folder = FuzzScratch.directory.appendingPathComponent("seeds")
        let cases: [(String, [[UInt8]])] = [("one", [Array("reading".utf8)]),
                                ("three", [[1, 2, 3], [], Array(repeating: 0x55, count: 300)]),
                                ("many", (0..<40).map { Array("reading \($0)".utf8) })]
        for (name, records) in cases {
            try? FileManager.default.removeItem(at: folder)
            let spool = try DiskSpool(directory: folder, maximumBytes: 4096)
            try spool.append(records)
            try spool.acknowledge(upTo: spool.record(at: spool.head)!.next)
            try spool.flush()
            let dataFile = [UInt8](try Data(contentsOf: folder.appendingPathComponent("spool.dat")))
            let head = [UInt8](try Data(contentsOf: folder.appendingPathComponent("spool.head")).prefix(8))
            seeds.append(FuzzTarget.Seed(name: name, bytes: [0] + dataFile))
            seeds.append(FuzzTarget.Seed(name: name + "-with-head", bytes: [1] + head + dataFile))
            seeds.append(FuzzTarget.Seed(name: name + "-torn", bytes: [0] + dataFile.dropLast(3)))
        }
        try? FileManager.default.removeItem(at: folder)
        return seeds
    })

    private static func readAll(_ spool: DiskSpool) -> [(offset: DiskSpool.Offset, payload: [UInt8])] {
        var records: [(offset: DiskSpool.Offset, payload: [UInt8])] = []
        var offset = spool.head
        while let (payload, next) = spool.record(at: offset) {
            precondition(next > offset, "record at \(offset) does not advance")
            records.append((offset, payload))
            offset = next
        }
        return records
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
