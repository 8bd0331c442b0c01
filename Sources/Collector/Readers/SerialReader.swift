import Logging
import Protocols

/// Reads a meter on a serial port, forever: when the device is missing, unplugged or fails, it says so once at
/// WARNING and reopens with a growing delay (0.25 s doubling up to 5 s) until the device is back.
struct SerialReader: Reader {
    let configuration: ReaderConfiguration
    let port: String
    let settings: MeterType.SerialSettings
    let fanOut: FanOut
    let logger: Logger
    let statisticsInterval: Double

    var name: String { configuration.name }

    static let maximumBackoff = 5.0

    static func backoff(attempt: Int) -> Double {
        min(maximumBackoff, 0.25 * Double(1 << min(attempt, 5)))
    }

    func run(stop: StopFlag) {
        var session: DecodingSession
        do {
            session = try DecodingSession(configuration: configuration, fanOut: fanOut, logger: logger,
                                          statisticsInterval: statisticsInterval)
        } catch {
            logger.error("cannot start the decoder: \(error)")
            return
        }
        var failures = 0
        var outage = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while !stop.isSet {
            let device: SerialPort
            do {
                device = try SerialPort(path: port, settings: settings)
            } catch {
                if !outage {
                    outage = true
                    logger.warning("\(error); retrying until it is back (every \(Int(Self.maximumBackoff)) s at most)")
                } else {
                    logger.debug("still unavailable (attempt \(failures + 1)): \(error)")
                }
                if !stop.sleep(seconds: Self.backoff(attempt: failures)) { break }
                failures += 1
                continue
            }
            if outage {
                logger.warning("\(port) is back; reading at \(settings)")
            } else {
                logger.info("reading \(configuration.meter.rawValue) on \(port) at \(settings)")
            }
            failures = 0
            outage = false
            reading: while !stop.isSet {
                switch device.read(into: buffer, timeout: 200) {
                case .data(let count):
                    session.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                case .timeout:
                    session.tick()
                case .closed(let reason):
                    logger.warning("lost \(port): \(reason); reopening until it is back")
                    outage = true
                    break reading
                }
            }
            device.close()
            if outage, !stop.sleep(seconds: Self.backoff(attempt: 0)) { break }
        }
        session.finish()
        logger.info("stopped: \(session.summary)")
    }
}
