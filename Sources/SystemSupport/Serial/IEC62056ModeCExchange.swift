import MeterDecoding

/// Performs one IEC 62056-21 mode C readout on a serial port by driving `IEC62056ModeCSession`: the collector's
/// reader calls it on every interval, `smartmeter-config detect` once at 300 7E1.
///
///     discard old input -> 300 baud -> /?! CR LF -> identification -> (reaction time) ACK 0 Z 0 CR LF
///                       -> new speed -> STX ... ETX BCC -> finished
///
/// The dialogue itself (what to send, at which speed, when the readout is complete) is `IEC62056ModeCSession`, free of
/// I/O, in MeterDecoding; this type only moves its bytes through the port and keeps time on the monotonic clock.
///
/// Every wait is bounded: the meter is given up when it is silent for `silence`, when the optional
/// deadline passes, when it sends noise instead of an identification, or a data block without end (the session's
/// limits). The port is left at whatever speed the dialogue reached; the next `run` starts again at 300 baud.
public struct IEC62056ModeCExchange {
    public enum Outcome: Equatable, Sendable {
        /// The data block arrived through its BCC (whether the BCC is right is the decoder's business).
        case finished
        /// No answer, a wrong answer or an incomplete readout: sign on again after a pause.
        case failed(String)
        /// The port failed or was unplugged.
        case closed(String)
        /// `shouldStop` became true.
        case stopped
    }

    /// The meter answers within 1.5 s (IEC 62056-21 reaction time tr); silence beyond this ends the attempt.
    public static let defaultSilence = Duration.seconds(2)
    /// Wait between a message from the meter and our answer (tr is at least 200 ms on both sides).
    public static let reactionTime = Duration.milliseconds(200)

    public var session: IEC62056ModeCSession
    public var silence: Duration

    public init(session: IEC62056ModeCSession = IEC62056ModeCSession(), silence: Duration = Self.defaultSilence) {
        self.session = session
        self.silence = silence
    }

    /// The identification of the last readout (`SIE5TD3511`), empty when none arrived.
    public var identification: String { session.identification }

    /// One readout. `received`: every byte read, as read (detect classifies them); `deliver`: the identification
    /// and data block for the decoder. `deadline` and `shouldStop` are checked at least every 100 ms.
    public mutating func run(on port: SerialPort, deadline: MonotonicClock.Instant? = nil,
                             shouldStop: () -> Bool = { false }, received: ([UInt8]) -> Void = { _ in },
                             deliver: ([UInt8]) -> Void) -> Outcome {
        let clock = MonotonicClock.system
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 1)
        defer { buffer.deallocate() }
        var pending = session.start()
        var lastActivity = clock.now
        var sent = false
        while true {
            while !pending.isEmpty {
                switch pending.removeFirst() {
                case .setBaudRate(let rate):
                    do { try port.setBaudRate(rate) } catch { return .closed(error.description) }
                    if rate == 300 && !sent { port.discardInput() }
                case .send(let bytes):
                    if sent { MonotonicClock.sleep(for: Self.reactionTime) }
                    do { try port.write(bytes) } catch { return .closed(error.description) }
                    sent = true
                    lastActivity = clock.now
                case .deliver(let bytes):
                    deliver(bytes)
                case .finished:
                    return .finished
                case .failed(let reason):
                    return .failed(reason)
                }
            }
            if shouldStop() { return .stopped }
            if let deadline, clock.now >= deadline {
                return .failed(Self.reason(session.timeout(), otherwise: "deadline passed"))
            }
            switch port.read(into: buffer, timeout: 100) {
            case .data(let count):
                let bytes = Array(buffer[0..<count])
                received(bytes)
                lastActivity = clock.now
                pending = session.receive(bytes)
            case .timeout:
                if clock.now - lastActivity >= silence {
                    return .failed(Self.reason(session.timeout(), otherwise: "meter silent") + " (silent for \(silence.seconds) s)")
                }
            case .closed(let reason):
                return .closed(reason)
            }
        }
    }

    private static func reason(_ actions: [IEC62056ModeCSession.Action], otherwise: String) -> String {
        for case .failed(let reason) in actions { return reason }
        return otherwise
    }
}
