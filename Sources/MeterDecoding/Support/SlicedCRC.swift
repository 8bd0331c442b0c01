/// The tables and the loop of a reflected CRC taken eight bytes per step ("slicing-by-8"), shared by `CRC16` and
/// `CRC32`: the byte-at-a-time form is a chain of dependent table look-ups, a measurable part of decoding HDLC frames
/// and P1 telegrams and of checking spool records.
struct SlicedCRC<Register: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    /// tables[k * 256 + b]: the CRC register after byte b followed by k zero bytes (k = 0...7).
    let tables: [Register]

    init(reflectedPolynomial: Register) {
        var tables = [Register](repeating: 0, count: 256 * 8)
        for index in 0..<256 {
            var crc = Register(index)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1 }
            tables[index] = crc
        }
        for k in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(k - 1) * 256 + index]
                tables[k * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        self.tables = tables
    }

    /// The register after `buffer`, starting from `crc` (no initial value or final xor applied here).
    @inline(__always)
    func update(_ crc: Register, with buffer: UnsafeRawBufferPointer) -> Register {
        tables.withUnsafeBufferPointer { table in
            var crc = crc
            var index = 0
            let count = buffer.count
            while index + 8 <= count {
                let low = UInt32(truncatingIfNeeded: crc) ^ buffer.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian
                let high = buffer.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
                let first: Register = table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int(low >> 8 & 0xFF)]
                    ^ table[5 * 256 + Int(low >> 16 & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                let second: Register = table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int(high >> 8 & 0xFF)]
                    ^ table[1 * 256 + Int(high >> 16 & 0xFF)] ^ table[Int(high >> 24)]
                crc = first ^ second
                index += 8
            }
            while index < count {
                crc = (crc >> 8) ^ table[Int((UInt32(truncatingIfNeeded: crc) ^ UInt32(buffer[index])) & 0xFF)]
                index += 1
            }
            return crc
        }
    }
}
