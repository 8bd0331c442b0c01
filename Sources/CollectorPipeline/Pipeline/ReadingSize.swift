import Protocols

/// About how many bytes of memory a queued reading holds: the value itself, its array of data points, and the
/// strings too long to be stored inline (Swift keeps up to 15 UTF-8 bytes in the string itself). Used to bound the
/// sink queues in bytes; an estimate, the same for a reading every time it is asked.
enum ReadingSize {
    static func bytes(of reading: Reading) -> Int {
        var total = MemoryLayout<Reading>.stride + 32 + reading.values.count * MemoryLayout<DataPoint>.stride
        total += outOfLine(reading.source)
        for point in reading.values {
            switch point.value {
            case .number: break
            case .text(let text): total += outOfLine(text)
            }
            if let unit = point.unit { total += outOfLine(unit) }
        }
        return total
    }

    private static func outOfLine(_ text: String) -> Int {
        let count = text.utf8.count
        return count > 15 ? 32 + count : 0
    }
}
