/// The decoding pipeline of an IEC 62056-21 readout meter (meter type `siemens_td3511`):
///
///     bytes -> IEC62056ReadoutFramer (envelope, BCC) -> P1TelegramParser (same `code(value*unit)` lines)
///           -> IEC62056ReadingBuilder -> Reading
///
/// It decodes what the meter answers in a mode C dialogue (identification, STX data block ETX BCC) as well as a
/// bare data block. The dialogue itself (sign-on, baud-rate switch) is `IEC62056ModeCSession`.
public struct IEC62056ReadoutDecoder: ReadingDecoder {
    private var framer = IEC62056ReadoutFramer()
    private var parser = P1TelegramParser()
    private var builder: IEC62056ReadingBuilder
    public private(set) var statistics = DecoderStatistics()

    public init(configuration: DecoderConfiguration) {
        builder = IEC62056ReadingBuilder(configuration: configuration)
    }

    /// For tests: a fixed clock for readouts without a time.
    public mutating func setClock(_ now: @escaping @Sendable () -> Int64) {
        builder.now = now
    }

    /// The identification line of the last sign-on (`SIE5...`, without `/`), empty when none was seen.
    public var identification: String { String(decoding: framer.identification, as: UTF8.self) }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (DecoderEvent) -> Void) {
        let streamOffset = statistics.bytes
        statistics.bytes += bytes.count
        var position = 0
        while let event = framer.next(in: bytes, at: &position, streamOffset: streamOffset) {
            handle(event, emit: emit)
        }
        statistics.skippedBytes = framer.skippedBytes
    }

    public mutating func finish(emit: (DecoderEvent) -> Void) {
        if let event = framer.finish() { handle(event, emit: emit) }
        statistics.skippedBytes = framer.skippedBytes
    }

    private mutating func handle(_ event: IEC62056ReadoutFramer.Event, emit: (DecoderEvent) -> Void) {
        switch event {
        case .block(let offset):
            statistics.frames += 1
            statistics.messages += 1
            let block = framer.block
            let reading = block.withUnsafeBytes { bytes -> Reading? in
                parser.parse(bytes)
                return builder.reading(from: parser, bytes: bytes)
            }
            if let reading {
                statistics.readings += 1
                emit(.reading(reading))
            } else {
                report(Drop(.noValues, offset: offset), emit: emit)
            }
        case .dropped(let drop):
            report(drop, emit: emit)
        }
    }

    private mutating func report(_ drop: Drop, emit: (DecoderEvent) -> Void) {
        statistics.count(drop)
        emit(.dropped(drop))
    }
}
