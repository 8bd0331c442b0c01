import Logging
import Configuration
import Protocols
import SystemSupport

/// Reads an IEC 62056-21 mode C meter (siemens_td3511) on a serial port: every `interval` seconds it signs on at
/// 300 baud, acknowledges the identification with the offered speed (capped by `baudrate`), reads the data block
/// and hands it to the decoder (`IEC62056ModeCExchange`).
///
/// A failed readout (no answer, noise, a block without end, a wrong BCC) is logged once at WARNING, later ones at
/// DEBUG until a readout works again; the next sign-on, again at 300 baud, comes at the next interval and at
/// least `retryPause` seconds later. A missing or unplugged device is reopened as `SerialReader` does.
struct IEC62056Reader: Reader {
    let configuration: ReaderConfiguration
    let port: String
    let settings: MeterType.SerialSettings
    let fanOut: FanOut
    let logger: Logger
    let statisticsInterval: Double

    var name: String { configuration.name }

    /// Time the meter gets to fall back to its idle state after an aborted dialogue.
    static let retryPause = 2.0

    func run(stop: StopFlag) {
        var session: DecodingSession
        do {
            session = try DecodingSession(configuration: configuration, fanOut: fanOut, logger: logger,
                                          statisticsInterval: statisticsInterval)
        } catch {
            logger.error("cannot start the decoder: \(error)")
            return
        }
        let interval = Double(configuration.interval)
        let maximum = configuration.readoutBaudRate ?? IEC62056ModeCSession.baudRates.last!
        var exchange = IEC62056ModeCExchange(session: IEC62056ModeCSession(maximumBaudRate: maximum))
        var opener = SerialDeviceOpener(port: port, settings: settings, writable: true, logger: logger)
        opener.status = fanOut.status?.reader(configuration.name)
        var failing = false
        while let device = opener.open(stop: stop, started: "reading \(configuration.meter.rawValue) on \(port): sign-on at \(settings), readout up to \(maximum) baud every \(configuration.interval) s") {
            var lost: String?
            readouts: while !stop.isSet {
                let started = monotonicSeconds()
                let published = session.published
                let outcome = exchange.run(on: device, shouldStop: { stop.isSet }) { bytes in
                    bytes.withUnsafeBytes { session.feed($0) }
                }
                var failure: String?
                switch outcome {
                case .finished:
                    if session.published == published {
                        failure = "the readout gave no reading" + (session.lastDrop.map { " (dropped: \($0))" } ?? "")
                    }
                case .failed(let reason):
                    session.finish()   // a block cut short is dropped, the decoder starts afresh
                    failure = reason
                case .closed(let reason):
                    session.finish()
                    lost = reason
                    break readouts
                case .stopped:
                    break readouts
                }
                if let failure {
                    if failing {
                        logger.debug("readout failed again: \(failure)")
                    } else {
                        failing = true
                        logger.warning("readout failed: \(failure); signing on again every \(configuration.interval) s (at least \(Int(Self.retryPause)) s apart) until the meter answers")
                    }
                } else {
                    if failing {
                        failing = false
                        logger.warning("the meter answers again (/\(exchange.identification))")
                    } else {
                        logger.debug("readout of /\(exchange.identification) done in \(monotonicSeconds() - started) s")
                    }
                }
                var next = started + interval
                if failure != nil { next = max(next, monotonicSeconds() + Self.retryPause) }
                while monotonicSeconds() < next {
                    session.tick()
                    if !stop.sleep(seconds: min(1, next - monotonicSeconds())) { break readouts }
                }
            }
            device.close()
            if let lost, !opener.lost(lost, stop: stop) { break }
        }
        session.finish()
        logger.info("stopped: \(session.summary)")
    }
}
