/// One HDLC frame (IEC 62056-46, frame format type 3) as it arrived, checksums already verified.
public struct HDLCFrame: Sendable {
    /// The segmentation bit of the format field: more segments of the same APDU follow.
    public var segmented: Bool
    public var destinationAddress: UInt32
    public var sourceAddress: UInt32
    public var control: UInt8
    /// The information field (LLC header included when the meter sends one).
    public var information: ArraySlice<UInt8>
    /// Stream offset of the opening flag.
    public var offset: Int

    /// Unnumbered information (UI) frame, the form meters push with.
    public var isUnnumberedInformation: Bool { control & 0xEF == 0x03 }
    /// Information (I) frame.
    public var isInformation: Bool { control & 0x01 == 0 }
}
