/// One wired M-Bus long frame (EN 13757-2): `68 L L 68 C A CI data CS 16`, checksum verified.
public struct MBusFrame: Sendable {
    public var control: UInt8
    public var address: UInt8
    public var controlInformation: UInt8
    /// The bytes after CI, up to the checksum.
    public var data: ArraySlice<UInt8>
    /// Stream offset of the first 0x68.
    public var offset: Int
}
