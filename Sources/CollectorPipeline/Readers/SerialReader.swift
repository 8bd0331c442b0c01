import Logging
import Configuration
import Protocols

/// Reads a meter on a serial port, forever: when the device is missing, unplugged or fails, it is reopened as
/// `SerialDeviceOpener` does until it is back.
struct SerialReader: Reader {
    let configuration: ReaderConfiguration
    let port: String
    let settings: MeterType.SerialSettings
    let fanOut: FanOut
    let logger: Logger
    let statisticsInterval: Double

    var name: String { configuration.name }

    func run(stop: StopFlag) {
        var session: DecodingSession
        do {
            session = try DecodingSession(configuration: configuration, fanOut: fanOut, logger: logger,
                                          statisticsInterval: statisticsInterval)
        } catch {
            logger.error("cannot start the decoder: \(error)")
            return
        }
        var opener = SerialDeviceOpener(port: port, settings: settings, logger: logger)
        opener.status = fanOut.status?.reader(configuration.name)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while let device = opener.open(stop: stop,
                                       started: "reading \(configuration.meter.rawValue) on \(port) at \(settings)") {
            var lost: String?
            reading: while !stop.isSet {
                switch device.read(into: buffer, timeout: 200) {
                case .data(let count):
                    session.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                case .timeout:
                    session.tick()
                case .closed(let reason):
                    lost = reason
                    break reading
                }
            }
            device.close()
            if let lost, !opener.lost(lost, stop: stop) { break }
        }
        session.finish()
        logger.info("stopped: \(session.summary)")
    }
}
