import Logging
import Configuration
import Protocols

/// A source of meter bytes that runs on its own thread until its input ends or `stop` is set.
package protocol Reader: Sendable {
    var name: String { get }
    func run(stop: StopFlag)
}

package enum ReaderFactory {
    /// `failed` is set by a reader whose input cannot be read (a replayed file that vanished since the start's
    /// checks): the collector then exits 1 instead of 0.
    package static func make(_ configuration: ReaderConfiguration, fanOut: FanOut, logger: Logger,
                     statisticsInterval: Double, failed: StopFlag) -> any Reader {
        switch configuration.input {
        case .serial(let port, let settings) where configuration.meter.linkLayer == .iec62056_21:
            return IEC62056Reader(configuration: configuration, port: port, settings: settings, fanOut: fanOut,
                                  logger: logger, statisticsInterval: statisticsInterval)
        case .serial(let port, let settings):
            return SerialReader(configuration: configuration, port: port, settings: settings, fanOut: fanOut,
                                logger: logger, statisticsInterval: statisticsInterval)
        case .file(let path, let speed):
            return FileReader(configuration: configuration, path: path, speed: speed, fanOut: fanOut,
                              logger: logger, statisticsInterval: statisticsInterval, failed: failed)
        }
    }
}
