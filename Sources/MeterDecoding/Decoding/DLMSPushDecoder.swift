/// The whole decoding pipeline of one DLMS push meter: bytes in any chunking -> link frames -> APDUs -> readings.
///
///     bytes -> HDLC or M-Bus framer -> segment assembler -> block transfer / deciphering -> data-notification
///           -> reading builder -> Reading
///
/// Nothing is thrown: damaged input is dropped, counted in `statistics` and reported as a `.dropped` event with its
/// byte offset, and decoding goes on with the next frame.
public struct DLMSPushDecoder: ReadingDecoder {
    /// Input is processed in slices of this size so the framer's buffer stays bounded whatever the caller passes.
    static let sliceSize = 4096

    /// The meter's link layer, one of the two. Concrete types rather than `any LinkLayerDecoder`: through the
    /// existential the framing ran as unspecialised generic code (runtime metadata and enum calls per frame).
    private var hdlc: FramedLink<HDLCFramer, HDLCSegmentAssembler>?
    private var mbus: FramedLink<MBusFramer, MBusSegmentAssembler>?
    private var stages: MessageStages
    public private(set) var statistics: DecoderStatistics {
        get { stages.statistics }
        set { stages.statistics = newValue }
    }

    public init(configuration: DecoderConfiguration) throws(AESGCMDecryptor.Failure) {
        switch configuration.meter.linkLayer {
        case .hdlc: hdlc = FramedLink(framer: HDLCFramer(), assembler: HDLCSegmentAssembler())
        case .mbus: mbus = FramedLink(framer: MBusFramer(), assembler: MBusSegmentAssembler())
        case .p1, .encryptedP1, .iec62056_21:
            // Text-protocol meters have their own decoders; ReadingDecoderFactory never routes them here.
            preconditionFailure("\(configuration.meter.rawValue) is not a DLMS push meter: use ReadingDecoderFactory")
        }
        let security = try DLMSSecurity(key: configuration.key, authenticationKey: configuration.authenticationKey)
        stages = MessageStages(
            messages: DLMSMessageDecoder(security: security),
            builder: ReadingBuilder(meter: configuration.meter, zone: configuration.zone,
                                    useSystemTime: configuration.useSystemTime,
                                    fallbackSource: configuration.fallbackSource,
                                    sourceOverride: configuration.sourceOverride))
    }

    /// For tests: a fixed clock for messages without a time.
    public mutating func setClock(_ now: @escaping @Sendable () -> Int64) {
        stages.builder.now = now
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (DecoderEvent) -> Void) {
        stages.statistics.bytes += bytes.count
        var position = 0
        while position < bytes.count {
            let end = min(position + Self.sliceSize, bytes.count)
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
            if hdlc != nil {
                Self.feed(slice, link: &hdlc!, stages: &stages, emit: emit)
            } else {
                Self.feed(slice, link: &mbus!, stages: &stages, emit: emit)
            }
            position = end
        }
    }

    /// End of input: reports a frame or message cut short.
    public mutating func finish(emit: (DecoderEvent) -> Void) {
        if hdlc != nil {
            Self.finish(link: &hdlc!, stages: &stages, emit: emit)
        } else {
            Self.finish(link: &mbus!, stages: &stages, emit: emit)
        }
        if let drop = stages.messages.finish() { stages.report(drop, emit: emit) }
    }

    private static func finish<Link: LinkLayerDecoder>(link: inout Link, stages: inout MessageStages,
                                                        emit: (DecoderEvent) -> Void) {
        link.finish { stages.handle($0, emit: emit) }
        stages.statistics.skippedBytes = link.skippedBytes
    }

    /// Link outputs go straight on to the message stages (no buffering, so payload slices are used up before the
    /// link layer reuses their storage).
    private static func feed<Link: LinkLayerDecoder>(_ slice: UnsafeRawBufferPointer, link: inout Link,
                                                      stages: inout MessageStages, emit: (DecoderEvent) -> Void) {
        link.feed(slice) { stages.handle($0, emit: emit) }
        stages.statistics.skippedBytes = link.skippedBytes
    }
}

/// Everything after the link layer: APDUs -> data-notifications -> readings, and the counters.
private struct MessageStages {
    var messages: DLMSMessageDecoder
    var builder: ReadingBuilder
    var statistics = DecoderStatistics()

    mutating func handle(_ output: LinkOutput, emit: (DecoderEvent) -> Void) {
        switch output {
        case .frame: statistics.frames += 1
        case .payload(let payload, let offset): handlePayload(payload, offset: offset, emit: emit)
        case .dropped(let drop): report(drop, emit: emit)
        }
    }

    private mutating func handlePayload(_ payload: ArraySlice<UInt8>, offset: Int, emit: (DecoderEvent) -> Void) {
        let result = messages.decode(payload, offset: offset)
        if let interrupted = result.interrupted { report(interrupted, emit: emit) }
        switch result.output {
        case .notification(let offset)?:
            statistics.messages += 1
            if let reading = builder.reading(from: messages.notification) {
                statistics.readings += 1
                emit(.reading(reading))
            } else {
                report(Drop(.noValues, offset: offset), emit: emit)
            }
        case .dropped(let drop)?:
            report(drop, emit: emit)
        case nil:
            break
        }
    }

    mutating func report(_ drop: Drop, emit: (DecoderEvent) -> Void) {
        statistics.count(drop)
        emit(.dropped(drop))
    }
}
