import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import SystemSupport

/// Replays a capture file: hex text (whitespace and line breaks anywhere), raw bytes, or P1 telegram text, read as a
/// stream in fixed-size chunks so that a file of any size takes the same memory. With `replay_speed = realtime`
/// readings are passed on with the gaps between their meter timestamps; with `max`, as fast as they decode and the
/// slowest sink writes: a file waits for its sinks (the queues never drop its readings). Progress is logged at INFO
/// every `progressInterval` seconds. The reader ends at the end of the file.
struct FileReader: Reader {
    let configuration: ReaderConfiguration
    let path: String
    let speed: ReaderConfiguration.ReplaySpeed
    let fanOut: FanOut
    let logger: Logger
    let statisticsInterval: Double
    /// Set when the file cannot be opened or read: the collector's exit status is then 1.
    let failed: StopFlag

    static let progressInterval = 10.0

    var name: String { configuration.name }

    func run(stop: StopFlag) {
        let file: CaptureReadAhead
        do {
            // Read and converted from hex on a thread of its own while this one decodes.
            file = CaptureReadAhead(try CaptureFile(path: path))
        } catch {
            logger.error("\(error)")
            failed.set()
            return
        }
        defer { file.close() }
        var session: DecodingSession
        do {
            session = try DecodingSession(configuration: configuration, fanOut: fanOut.waiting(unless: stop),
                                          logger: logger, statisticsInterval: statisticsInterval)
        } catch {
            logger.error("cannot start the decoder: \(error)")
            return
        }
        let size = file.size.map { "\($0) bytes" } ?? "a stream"
        logger.info("replaying \(path) (\(size), \(speed.rawValue)) as \(configuration.meter.rawValue)")
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
        let progress = ReplayProgress(totalBytes: file.size)
        let started = monotonicSeconds()
        var nextProgress = started + Self.progressInterval
        while !stop.isSet, file.next({ session.feed($0) }) {
            let now = monotonicSeconds()
            if now >= nextProgress {
                logger.info("replaying \(path): \(progress.line(bytesRead: file.bytesRead, readings: session.published, elapsedSeconds: now - started))")
                nextProgress = now + Self.progressInterval
            }
        }
        session.finish()
        if let error = file.readError {
            logger.error("cannot read \(path): \(error)")
            failed.set()
        }
        if file.skippedCharacters > 0 {
            logger.warning("\(path): \(file.skippedCharacters) characters that are not hex digits were skipped")
        }
        logger.info("\(stop.isSet ? "stopped" : "end of file"): \(session.summary)")
    }
}
