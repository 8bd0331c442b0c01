/// A serial line's speed and character framing (`2400 8E1`): what a meter type uses by default
/// (`MeterType.serialDefaults`), what a `[readerN]` section sets, and what the serial port is opened with.
public struct SerialLineSettings: Sendable, Equatable, CustomStringConvertible {
    public var baudrate: Int
    /// `N`, `E` or `O`.
    public var parity: Character
    public var dataBits: Int
    public var stopBits: Int

    public init(baudrate: Int, parity: Character, dataBits: Int, stopBits: Int) {
        self.baudrate = baudrate
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
    }

    public var description: String { "\(baudrate) \(dataBits)\(parity)\(stopBits)" }
}
