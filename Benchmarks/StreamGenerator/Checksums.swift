/// The two 16-bit CRCs of the generated streams, written here rather than taken from the library so that the
/// generator checks the decoder instead of sharing its mistakes.
enum Checksums {
    /// CRC-16/X.25 (HDLC HCS and FCS): reflected 0x1021, init 0xFFFF, final xor 0xFFFF; "123456789" -> 0x906E.
    static func x25<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1 }
        }
        return crc ^ 0xFFFF
    }

    /// CRC-16/ARC (DSMR P1 telegrams): reflected 0x8005, init 0, no final xor; "123456789" -> 0xBB3D.
    static func arc<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        }
        return crc
    }
}
