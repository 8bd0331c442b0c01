import Logging
import Configuration
import Protocols

/// The decoder of one reader with its output: readings go to the fan-out, drops are logged and counted, and the
/// counters are logged at INFO every `statisticsInterval` seconds and at the end.
struct DecodingSession {
    private var decoder: any ReadingDecoder
    private let fanOut: FanOut
    private let logger: Logger
    private let statisticsInterval: Double
    private var nextReport: Double
    /// Called before each reading is published (replay pacing); returns false to drop it because of a stop.
    var beforePublish: ((Reading) -> Bool)?
    private(set) var published = 0
    /// The last message dropped, for a reader that wants to say why a readout gave nothing.
    private(set) var lastDrop: Drop?
    private var warnedAbout: Set<DropReason> = []
    private let status: ReaderStatus?
    /// The meter id and identification last noted in `status` (so that the lock is taken only when they change).
    private var noted: (meterID: String, identification: String?)?

    init(configuration: ReaderConfiguration, fanOut: FanOut, logger: Logger, statisticsInterval: Double) throws {
        decoder = try ReadingDecoderFactory.make(configuration.decoderConfiguration())
        self.fanOut = fanOut
        status = fanOut.status?.reader(configuration.name)
        self.logger = logger
        self.statisticsInterval = statisticsInterval
        nextReport = monotonicSeconds() + statisticsInterval
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var readings: [Reading] = []
        var drops: [Drop] = []
        decoder.feed(bytes) { event in
            switch event {
            case .reading(let reading): readings.append(reading)
            case .dropped(let drop): drops.append(drop)
            }
        }
        handle(readings, drops)
        tick()
    }

    /// Logs the counters when the interval is up.
    mutating func tick() {
        if monotonicSeconds() >= nextReport {
            logger.info("\(summary)")
            nextReport = monotonicSeconds() + statisticsInterval
        }
    }

    mutating func finish() {
        var readings: [Reading] = []
        var drops: [Drop] = []
        decoder.finish { event in
            switch event {
            case .reading(let reading): readings.append(reading)
            case .dropped(let drop): drops.append(drop)
            }
        }
        handle(readings, drops)
    }

    var summary: String {
        decoder.statistics.summary + ", published \(published)"
    }

    private mutating func handle(_ readings: [Reading], _ drops: [Drop]) {
        for drop in drops {
            lastDrop = drop
            // Key problems are configuration mistakes: say so once at WARNING; the rest is line noise.
            switch drop.reason {
            case .noKey, .decryptionFailed, .authenticationFailed, .unsupportedSecurity:
                if warnedAbout.insert(drop.reason).inserted {
                    logger.warning("dropped: \(drop) (further drops of this kind are logged at DEBUG)")
                } else {
                    logger.debug("dropped: \(drop)")
                }
            default:
                logger.debug("dropped: \(drop)")
            }
        }
        let before = published
        if let beforePublish {
            for reading in readings {
                if !beforePublish(reading) { continue }
                note(reading)
                fanOut.publish(reading)
                published += 1
            }
        } else {
            for reading in readings { note(reading) }
            fanOut.publish(readings)
            published += readings.count
        }
        status?.update(statistics: decoder.statistics, published: published, lastDrop: lastDrop,
                       readingArrived: published > before)
    }

    /// Tells the reader's status the meter id (and identification) of a reading about to be published, so that a sink
    /// finds its reader; the lock is taken only when they differ from the last ones noted.
    private mutating func note(_ reading: Reading) {
        guard let status else { return }
        let identification = decoder.identification
        if noted?.meterID != reading.source || noted?.identification != identification {
            status.noteMeter(reading.source, identification: identification)
            noted = (reading.source, identification)
        }
    }
}
