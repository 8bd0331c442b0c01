/// What a reader tells its decoder: the meter type and the options of its `[readerN]` section.
public struct DecoderConfiguration: Sendable {
    public var meter: MeterType
    /// Encryption key (global unicast key): 16 bytes (AES-128, security suites 0 and 1) or 32 (AES-256, suite 2).
    public var key: [UInt8]?
    /// Authentication key, as long as `key`; when set, GCM tags are verified.
    public var authenticationKey: [UInt8]?
    /// Zone of meter times sent without a UTC offset.
    public var zone: ZoneOffsetResolver
    /// Stamp readings with the system clock even when the meter sends a time (`systemtime`).
    public var useSystemTime: Bool
    /// Source id when a message carries none (the port or file name).
    public var fallbackSource: String
    /// Source id that replaces the one found in messages (`id`).
    public var sourceOverride: String?

    public init(meter: MeterType, key: [UInt8]? = nil, authenticationKey: [UInt8]? = nil,
                zone: ZoneOffsetResolver = .systemZone, useSystemTime: Bool = false,
                fallbackSource: String = "unknown", sourceOverride: String? = nil) {
        self.meter = meter
        self.key = key
        self.authenticationKey = authenticationKey
        self.zone = zone
        self.useSystemTime = useSystemTime
        self.fallbackSource = fallbackSource
        self.sourceOverride = sourceOverride
    }
}

/// Makes the decoder for a meter type.
public enum ReadingDecoderFactory {
    public static func make(_ configuration: DecoderConfiguration) throws(AESGCMDecryptor.Failure) -> any ReadingDecoder {
        switch configuration.meter.linkLayer {
        case .hdlc, .mbus:
            return try DLMSPushDecoder(configuration: configuration)
        case .p1:
            return P1TelegramDecoder(configuration: configuration)
        case .encryptedP1:
            return try SmartyDecoder(configuration: configuration)
        case .iec62056_21:
            return IEC62056ReadoutDecoder(configuration: configuration)
        }
    }
}
