/// The decoding pipeline of a DSMR P1 port (meter types `dsmr`, `dsmr22`, `fluvius`):
///
///     bytes -> P1TelegramFramer (CRC16/ARC) -> P1TelegramParser (objects and groups) -> P1ReadingBuilder -> Reading
///
/// Nothing is thrown: a bad checksum, a telegram cut short or too long is dropped, counted and reported with its
/// byte offset, and decoding goes on with the next `/`.
public struct P1TelegramDecoder: ReadingDecoder {
    private var framer: P1TelegramFramer
    private var stage: P1TelegramStage
    public private(set) var statistics = DecoderStatistics()
    public var identification: String? { stage.identification }

    public init(configuration: DecoderConfiguration, maximumTelegramLength: Int = 16 * 1024) {
        framer = P1TelegramFramer(maximumLength: maximumTelegramLength)
        stage = P1TelegramStage(configuration: configuration)
    }

    /// For tests: a fixed clock for telegrams without a time.
    public mutating func setClock(_ now: @escaping @Sendable () -> Int64) {
        stage.builder.now = now
    }

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

    private mutating func handle(_ event: P1TelegramFramer.Event, emit: (DecoderEvent) -> Void) {
        switch event {
        case .telegram(let offset):
            statistics.frames += 1
            let telegram = framer.telegram
            stage.decode(telegram, offset: offset, statistics: &statistics, emit: emit)
        case .dropped(let drop):
            statistics.count(drop)
            emit(.dropped(drop))
        }
    }
}

/// Parse and build: what the plain and the encrypted P1 decoders share once a telegram passed its checksum.
struct P1TelegramStage {
    var parser = P1TelegramParser()
    var builder: P1ReadingBuilder
    /// The telegram's identification line (`FLU5\253769484_A`: manufacturer's FLAG id, then its model text), as
    /// the meter sent it (untrusted; at most `maximumIdentification` bytes, printable ASCII, else nil).
    private(set) var identification: String?
    private var identificationBytes: [UInt8] = []
    static let maximumIdentification = 64

    init(configuration: DecoderConfiguration) {
        builder = P1ReadingBuilder(configuration: configuration)
    }

    mutating func decode(_ telegram: [UInt8], offset: Int, statistics: inout DecoderStatistics,
                         emit: (DecoderEvent) -> Void) {
        statistics.messages += 1
        let reading = telegram.withUnsafeBytes { bytes -> Reading? in
            parser.parse(bytes)
            noteIdentification(bytes)
            return builder.reading(from: parser, bytes: bytes)
        }
        for (obis, group) in builder.unreadable {
            let drop = Drop(.unreadableValue, offset: offset, detail: "\(obis) group \(group)")
            statistics.count(drop)
            emit(.dropped(drop))
        }
        if let reading {
            statistics.readings += 1
            emit(.reading(reading))
        } else {
            let drop = Drop(.noValues, offset: offset)
            statistics.count(drop)
            emit(.dropped(drop))
        }
    }

    /// Keeps the header's text; a String is made only when it changes.
    private mutating func noteIdentification(_ bytes: UnsafeRawBufferPointer) {
        let header = parser.header
        guard !header.isEmpty else { return }
        let line = bytes[header.clamped(to: header.lowerBound..<min(header.upperBound, header.lowerBound + Self.maximumIdentification))]
        guard !line.elementsEqual(identificationBytes) else { return }
        identificationBytes = Array(line)
        let printable = line.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        identification = printable ? String(decoding: identificationBytes, as: UTF8.self) : nil
    }
}
