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

    private var link: any LinkLayerDecoder
    /// Link outputs of the slice being processed (kept to reuse its storage).
    private var linkOutputs: [LinkOutput] = []
    private var messages: DLMSMessageDecoder
    private var builder: ReadingBuilder
    public private(set) var statistics = DecoderStatistics()

    public init(configuration: DecoderConfiguration) throws(AESGCMDecryptor.Failure) {
        switch configuration.meter.linkLayer {
        case .hdlc: link = FramedLink(framer: HDLCFramer(), assembler: HDLCSegmentAssembler())
        case .mbus: link = FramedLink(framer: MBusFramer(), assembler: MBusSegmentAssembler())
        case .p1, .encryptedP1, .iec62056_21:
            // Text-protocol meters have their own decoders; ReadingDecoderFactory never routes them here.
            preconditionFailure("\(configuration.meter.rawValue) is not a DLMS push meter: use ReadingDecoderFactory")
        }
        let security = try DLMSSecurity(key: configuration.key, authenticationKey: configuration.authenticationKey)
        messages = DLMSMessageDecoder(security: security)
        builder = ReadingBuilder(meter: configuration.meter, zone: configuration.zone,
                                 useSystemTime: configuration.useSystemTime,
                                 fallbackSource: configuration.fallbackSource,
                                 sourceOverride: configuration.sourceOverride)
    }

    /// For tests: a fixed clock for messages without a time.
    public mutating func setClock(_ now: @escaping @Sendable () -> Int64) {
        builder.now = now
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (DecoderEvent) -> Void) {
        statistics.bytes += bytes.count
        var position = 0
        while position < bytes.count {
            let end = min(position + Self.sliceSize, bytes.count)
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
            var outputs = linkOutputs
            linkOutputs = []
            link.feed(slice) { outputs.append($0) }
            handle(outputs, emit: emit)
            outputs.removeAll(keepingCapacity: true)
            linkOutputs = outputs
            position = end
        }
    }

    /// End of input: reports a frame or message cut short.
    public mutating func finish(emit: (DecoderEvent) -> Void) {
        var outputs: [LinkOutput] = []
        link.finish { outputs.append($0) }
        handle(outputs, emit: emit)
        var drops: [Drop] = []
        messages.finish { output in if case .dropped(let drop) = output { drops.append(drop) } }
        for drop in drops { report(drop, emit: emit) }
    }

    // MARK: - stages

    private mutating func handle(_ outputs: [LinkOutput], emit: (DecoderEvent) -> Void) {
        for output in outputs {
            switch output {
            case .frame: statistics.frames += 1
            case .payload(let payload, let offset): handlePayload(payload, offset: offset, emit: emit)
            case .dropped(let drop): report(drop, emit: emit)
            }
        }
        statistics.skippedBytes = link.skippedBytes
    }

    private mutating func handlePayload(_ payload: ArraySlice<UInt8>, offset: Int, emit: (DecoderEvent) -> Void) {
        var outputs: [DLMSMessageDecoder.Output] = []
        messages.decode(payload, offset: offset) { outputs.append($0) }
        for output in outputs {
            switch output {
            case .notification(let notification, let offset):
                statistics.messages += 1
                if let reading = builder.reading(from: notification) {
                    statistics.readings += 1
                    emit(.reading(reading))
                } else {
                    report(Drop(.noValues, offset: offset), emit: emit)
                }
            case .dropped(let drop):
                report(drop, emit: emit)
            }
        }
    }

    private mutating func report(_ drop: Drop, emit: (DecoderEvent) -> Void) {
        statistics.count(drop)
        emit(.dropped(drop))
    }
}
