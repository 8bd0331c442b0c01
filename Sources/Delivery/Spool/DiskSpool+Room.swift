#if canImport(Glibc)
import Glibc
#endif

/// A spool whose disk is full keeps the newest records: an append that finds no space first gives the blocks of
/// delivered records back to the file system (punching a hole at the start of the data file), then drops the
/// oldest waiting records, counted in `droppedRecords` and `droppedForSpace`, until the new batch fits.
///
/// A punched range reads as zeros. The head only moves forward past it, but a head on disk that lags behind (a crash
/// before the next head write) or that was lost may point into it: opening skips the zeros to the record after them
/// (`skipPunched`), so no waiting record is cut off. A file system that cannot punch holes gets its space back when
/// every waiting record was dropped and the file starts over.
extension DiskSpool {
    /// Appends `batch` at the end, making room when the disk is full. Throws when it does not fit even into an
    /// empty spool, or on any other write error.
    /// `diskFull` is set when an append had to make room, and cleared once the spool has grown well beyond what
    /// it held then (space came back), not by the appends that fit into the room just made.
    func writeMakingRoom(_ batch: [UInt8]) throws(Failure) {
        var neededRoom = false
        while let error = write(batch, at: physicalEnd) {
            guard error == ENOSPC || error == EDQUOT else {
                throw Failure(description: "write \(dataPath): \(Self.errnoText(error))")
            }
            neededRoom = true
            diskFull = true
            guard try makeRoom(for: batch.count) else {
                throw Failure(description: "write \(dataPath): \(Self.errnoText(error)), with no spooled record left to drop")
            }
        }
        let allocated = physicalEnd + UInt64(batch.count) - min(punchedUpTo, physicalEnd)
        if neededRoom {
            allocatedWhenFull = allocated
        } else if diskFull && allocated > allocatedWhenFull + Self.spaceAgainMargin {
            diskFull = false
        }
    }

    /// Growth of the spool on disk, beyond its size when the disk was last full, that shows space came back.
    static let spaceAgainMargin: UInt64 = 128 << 10

    /// Frees space for about `bytes`: delivered blocks first, else the oldest waiting records. False when nothing
    /// is left to free.
    private func makeRoom(for bytes: Int) throws(Failure) -> Bool {
        if punchHole(upTo: physicalHead) { return true }
        guard !isEmpty else { return false }
        // Drop at least the batch's size, and 64 kB at a time so a full disk does not cost a pass per reading.
        let target = UInt64(max(bytes, 64 << 10))
        var position = physicalHead
        var dropped = 0
        while position < physicalEnd, position - physicalHead < target, let (length, _) = readHeader(at: position) {
            position += UInt64(Self.headerSize) + UInt64(length)
            dropped += 1
        }
        guard dropped > 0 else { return false }
        droppedRecords += dropped
        droppedForSpace += dropped
        if position >= physicalEnd {
            // Nothing waits any more: the file starts over, which frees its space on every file system. Head 0 is
            // written after the truncation (there may be no room before); a crash in between leaves a head beyond
            // the end of an empty file, which the next open resets.
            base += physicalEnd
            physicalHead = 0
            physicalEnd = 0
            punchedUpTo = 0
            allocatedWhenFull = 0
            guard ftruncate(descriptor, 0) == 0 else {
                throw Failure(description: "truncate \(dataPath): \(Self.errnoText())")
            }
            try writeHead()
            return true
        }
        physicalHead = position
        punchHole(upTo: physicalHead)
        headDirty = true
        try? writeHead()   // retried at the next acknowledgement or flush when even this finds no room
        return true
    }

    /// The first record at or after `start`: past a run of zeros (a punched range) when `start` points into one.
    /// The zeros end inside the next record's header when its length has zero low bytes, so the few positions before
    /// the first non-zero byte are tried too; the one whose record checks out is it.
    func skipPunched(from start: Offset, size: UInt64) -> Offset {
        guard let header = read(count: Self.headerSize, at: start), header.allSatisfy({ $0 == 0 }) else { return start }
        var position = start + UInt64(Self.headerSize)
        var firstNonZero: UInt64?
        while firstNonZero == nil, position < size, let chunk = read(count: Int(min(64 << 10, size - position)), at: position) {
            if let index = chunk.firstIndex(where: { $0 != 0 }) { firstNonZero = position + UInt64(index) }
            position += UInt64(chunk.count)
        }
        guard let found = firstNonZero else { return min(position, size) }
        let earliest = found >= start + 3 ? found - 3 : start
        return (earliest...found).first { recordEnd(at: $0, size: size) != nil } ?? found
    }

    /// Gives the blocks of the data file before `offset` back to the file system. False when there was nothing new
    /// to give back or the file system cannot.
    @discardableResult
    func punchHole(upTo offset: UInt64) -> Bool {
        guard offset > punchedUpTo else { return false }
        let start = punchedUpTo
        guard fallocate(descriptor, Self.punchHoleKeepSize, off_t(start), off_t(offset - start)) == 0 else { return false }
        punchedUpTo = offset
        return true
    }

    /// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE (linux/falloc.h).
    static let punchHoleKeepSize: Int32 = 0x02 | 0x01
}

/// glibc's fallocate, which the Glibc module hides behind _GNU_SOURCE.
@_silgen_name("fallocate")
private func fallocate(_ descriptor: Int32, _ mode: Int32, _ offset: off_t, _ length: off_t) -> Int32
