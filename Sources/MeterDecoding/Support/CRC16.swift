/// Table-driven 16-bit CRCs used by the link layers, eight bytes per step (`SlicedCRC`).
///
/// - `x25`: CRC-16/X.25 (reflected polynomial 0x8408, init 0xFFFF, final xor 0xFFFF), the HDLC HCS and FCS
///   (IEC 62056-46). Check value for "123456789": 0x906E.
/// - `arc`: CRC-16/ARC (reflected polynomial 0xA001, init 0, no final xor), the DSMR P1 telegram checksum.
///   Check value for "123456789": 0xBB3D.
public struct CRC16: Sendable {
    private let sliced: SlicedCRC<UInt16>
    private let initial: UInt16
    private let finalXor: UInt16

    public static let x25 = CRC16(reflectedPolynomial: 0x8408, initial: 0xFFFF, finalXor: 0xFFFF)
    public static let arc = CRC16(reflectedPolynomial: 0xA001, initial: 0x0000, finalXor: 0x0000)

    private init(reflectedPolynomial: UInt16, initial: UInt16, finalXor: UInt16) {
        sliced = SlicedCRC(reflectedPolynomial: reflectedPolynomial)
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
        sliced.update(initial, with: buffer) ^ finalXor
    }
}
