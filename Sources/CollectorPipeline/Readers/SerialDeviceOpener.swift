import Logging
import Protocols
import SystemSupport

/// Opens a reader's serial device and reopens it after it was lost, forever: a missing, unplugged or failing device
/// is reported at WARNING (once, and again when its reason changes, e.g. from missing to refused by the service's
/// sandbox) and retried with a growing delay (0.25 s doubling up to 5 s) until it is back, which is a NOTICE.
struct SerialDeviceOpener {
    let port: String
    let settings: MeterType.SerialSettings
    let writable: Bool
    let logger: Logger
    /// Told why the device is unavailable, and when it is back (the web face's status).
    var status: ReaderStatus?
    private var backoff: Backoff
    /// The device is missing or was lost, and its return has not been reported yet.
    private(set) var outage = false
    /// The reason of the outage last logged.
    private var lastReason: String?

    /// 0.25 s doubling up to 5 s.
    static let defaultRetry = Backoff.Policy(initial: .milliseconds(250), maximum: .seconds(5))

    init(port: String, settings: MeterType.SerialSettings, writable: Bool = false,
         retry: Backoff.Policy = SerialDeviceOpener.defaultRetry, logger: Logger) {
        self.port = port
        backoff = Backoff(retry)
        self.settings = settings
        self.writable = writable
        self.logger = logger
    }

    /// The open device, or nil when `stop` was set while waiting. `started` is logged at INFO on the first open;
    /// after an outage the device's return is logged at NOTICE instead.
    mutating func open(stop: StopFlag, started: @autoclosure () -> String) -> SerialPort? {
        while !stop.isSet {
            do {
                let device = try SerialPort(path: port, settings: settings, writable: writable)
                if outage {
                    logger.notice("\(port) is back; reading at \(settings)")
                } else {
                    logger.info("\(started())")
                }
                backoff.reset()
                outage = false
                lastReason = nil
                status?.setInputProblem(nil)
                return device
            } catch {
                let reason = "\(error)"
                status?.setInputProblem(reason)
                if !outage || reason != lastReason {
                    // Once per outage, and again when the reason changes (unplugged, then refused by the sandbox).
                    outage = true
                    lastReason = reason
                    logger.warning("\(reason); retrying until it is back (every \(Int(backoff.policy.maximum.seconds)) s at most)")
                } else {
                    logger.debug("still unavailable (attempt \(backoff.failures + 1)): \(error)")
                }
                if !stop.sleep(seconds: backoff.nextDelay().seconds) { return nil }
            }
        }
        return nil
    }

    /// The open device failed: reports it and pauses before the next `open`. False when `stop` was set meanwhile.
    mutating func lost(_ reason: String, stop: StopFlag) -> Bool {
        logger.warning("lost \(port): \(reason); reopening until it is back")
        status?.setInputProblem("lost \(port): \(reason)")
        outage = true
        return stop.sleep(seconds: backoff.policy.initial.seconds)
    }
}
