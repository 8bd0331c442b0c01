/// Table-driven 16-bit CRCs used by the link layers, eight bytes per step ("slicing-by-8": the byte-at-a-time form
/// is a chain of dependent table lookups and was a measurable part of decoding HDLC frames and P1 telegrams).
///
/// - `x25`: CRC-16/X.25 (reflected polynomial 0x8408, init 0xFFFF, final xor 0xFFFF), the HDLC HCS and FCS
///   (IEC 62056-46). Check value for "123456789": 0x906E.
/// - `arc`: CRC-16/ARC (reflected polynomial 0xA001, init 0, no final xor), the DSMR P1 telegram checksum.
///   Check value for "123456789": 0xBB3D.
public struct CRC16: Sendable {
    /// tables[k * 256 + b]: the CRC register after byte b followed by k zero bytes (k = 0...7).
    private let tables: [UInt16]
    private let initial: UInt16
    private let finalXor: UInt16

    public static let x25 = CRC16(reflectedPolynomial: 0x8408, initial: 0xFFFF, finalXor: 0xFFFF)
    public static let arc = CRC16(reflectedPolynomial: 0xA001, initial: 0x0000, finalXor: 0x0000)

    private init(reflectedPolynomial: UInt16, initial: UInt16, finalXor: UInt16) {
        var tables = [UInt16](repeating: 0, count: 256 * 8)
        for index in 0..<256 {
            var crc = UInt16(index)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1
            }
            tables[index] = crc
        }
        for k in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(k - 1) * 256 + index]
                tables[k * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        self.tables = tables
        self.initial = initial
        self.finalXor = finalXor
    }

    /// The checksum of `bytes`.
    @inlinable
    public func checksum<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        if let fast = bytes.withContiguousStorageIfAvailable({ checksum(buffer: UnsafeRawBufferPointer($0)) }) {
            return fast
        }
        return Array(bytes).withUnsafeBytes { checksum(buffer: $0) }
    }

    /// The checksum of the bytes in `buffer`.
    public func checksum(buffer: UnsafeRawBufferPointer) -> UInt16 {
        tables.withUnsafeBufferPointer { table in
            var crc = initial
            var index = 0
            let count = buffer.count
            while index + 8 <= count {
                let low = UInt32(crc) ^ buffer.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian
                let high = buffer.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
                crc = table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int(low >> 8 & 0xFF)]
                    ^ table[5 * 256 + Int(low >> 16 & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int(high >> 8 & 0xFF)]
                    ^ table[1 * 256 + Int(high >> 16 & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = (crc >> 8) ^ table[Int((crc ^ UInt16(buffer[index])) & 0xFF)]
                index += 1
            }
            return crc ^ finalXor
        }
    }
}
