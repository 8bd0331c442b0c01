/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), for spool records, eight bytes per step (`SlicedCRC`):
/// every spooled reading is checked when written and when read. Check value of "123456789": 0xCBF43926.
public enum CRC32 {
    private static let sliced = SlicedCRC<UInt32>(reflectedPolynomial: 0xEDB8_8320)

    public static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        sliced.update(0xFFFF_FFFF, with: buffer) ^ 0xFFFF_FFFF
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let fast = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) { return fast }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }
}
