import FoundationEssentials
import Glibc
import Logging
import Protocols

/// Replays a capture file: hex text (whitespace and line breaks anywhere), raw bytes, or P1 telegram text. With
/// `replay_speed = realtime` readings are passed on with the gaps between their meter timestamps; with `max`, as
/// fast as they decode. The reader ends at the end of the file.
struct FileReader: Reader {
    let configuration: ReaderConfiguration
    let path: String
    let speed: ReaderConfiguration.ReplaySpeed
    let fanOut: FanOut
    let logger: Logger
    let statisticsInterval: Double

    var name: String { configuration.name }

    func run(stop: StopFlag) {
        guard let data = FileManager.default.contents(atPath: path) else {
            logger.error("cannot read \(path)")
            return
        }
        var session: DecodingSession
        do {
            session = try DecodingSession(configuration: configuration, fanOut: fanOut, logger: logger,
                                          statisticsInterval: statisticsInterval)
        } catch {
            logger.error("cannot start the decoder: \(error)")
            return
        }
        let bytes = Hex.bytes(fromCapture: [UInt8](data))
        logger.info("replaying \(path) (\(bytes.count) bytes, \(speed.rawValue)) as \(configuration.meter.rawValue)")
        if speed == .realtime {
            var first: (meter: Int64, wall: Double)?
            session.beforePublish = { reading in
                guard let start = first else {
                    first = (reading.timestamp, monotonicSeconds())
                    return !stop.isSet
                }
                let due = start.wall + Double(max(0, reading.timestamp - start.meter))
                return stop.sleep(seconds: due - monotonicSeconds())
            }
        }
        var offset = 0
        bytes.withUnsafeBytes { all in
            while offset < all.count, !stop.isSet {
                let end = min(all.count, offset + 4096)
                session.feed(UnsafeRawBufferPointer(rebasing: all[offset..<end]))
                offset = end
            }
        }
        session.finish()
        logger.info("\(stop.isSet ? "stopped" : "end of file"): \(session.summary)")
    }
}
