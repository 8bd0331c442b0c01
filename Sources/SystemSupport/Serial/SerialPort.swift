import FoundationEssentials
import Glibc
import MeterDecoding

/// An open serial device configured with termios: raw mode, the meter's speed, parity, data and stop bits.
/// Reads wait with `poll(2)` so a hang-up (USB adapter unplugged, pty closed) is seen at once.
/// Shared by the collector's serial reader and `smartmeter-config detect`.
public final class SerialPort {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public enum ReadResult {
        case data(Int)
        case timeout
        case closed(String)
    }

    public let path: String
    private var descriptor: Int32

    /// `writable`: also open for writing (an IEC 62056-21 sign-on request); push meters are only read.
    public init(path: String, settings: SerialLineSettings, writable: Bool = false) throws(Failure) {
        self.path = path
        descriptor = open(path, (writable ? O_RDWR : O_RDONLY) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(path): \(Self.lastError())") }
        do {
            try configure(settings)
        } catch {
            close()
            throw error
        }
    }

    deinit {
        assert(descriptor < 0, "SerialPort \(path) not closed")
    }

    private func configure(_ settings: SerialLineSettings) throws(Failure) {
        var options = termios()
        guard tcgetattr(descriptor, &options) == 0 else {
            throw Failure(description: "\(path) is not a serial device: \(Self.lastError())")
        }
        cfmakeraw(&options)
        guard let speed = Self.speed(settings.baudrate) else {
            throw Failure(description: "unsupported baud rate \(settings.baudrate)")
        }
        cfsetispeed(&options, speed)
        cfsetospeed(&options, speed)
        options.c_cflag &= ~(tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(PARODD) | tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        options.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        switch settings.dataBits {
        case 5: options.c_cflag |= tcflag_t(CS5)
        case 6: options.c_cflag |= tcflag_t(CS6)
        case 7: options.c_cflag |= tcflag_t(CS7)
        default: options.c_cflag |= tcflag_t(CS8)
        }
        switch settings.parity {
        case "E": options.c_cflag |= tcflag_t(PARENB)
        case "O": options.c_cflag |= tcflag_t(PARENB) | tcflag_t(PARODD)
        default: break
        }
        if settings.stopBits == 2 { options.c_cflag |= tcflag_t(CSTOPB) }
        withUnsafeMutableBytes(of: &options.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(descriptor, TCSANOW, &options) == 0 else {
            throw Failure(description: "cannot configure \(path): \(Self.lastError())")
        }
        tcflush(descriptor, TCIFLUSH)
    }

    /// Waits up to `timeout` milliseconds for bytes and reads what is there into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, timeout: Int32) -> ReadResult {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, timeout)
        if ready < 0 {
            return errno == EINTR ? .timeout : .closed("poll failed: \(Self.lastError())")
        }
        if ready == 0 { return .timeout }
        if request.revents & Int16(POLLIN) != 0 {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return .data(count) }
            if count == 0 { return .closed("end of input (device gone)") }
            if errno == EAGAIN || errno == EINTR { return .timeout }
            return .closed("read failed: \(Self.lastError())")
        }
        if request.revents & Int16(POLLNVAL) != 0 { return .closed("descriptor no longer valid") }
        if request.revents & Int16(POLLERR) != 0 { return .closed("device error") }
        return .closed("hang-up (device unplugged or closed)")
    }

    /// Writes all bytes (for a port opened `writable`), waiting until they are sent.
    public func write(_ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { MonotonicClock.sleep(for: .milliseconds(1)); continue }
                throw Failure(description: "cannot write to \(path): \(Self.lastError())")
            }
            offset += count
        }
        tcdrain(descriptor)
    }

    /// Changes the speed and keeps the other settings (the IEC 62056-21 baud-rate switch). Call after `write`, which
    /// waits until the bytes are out, so the last ones still leave at the old speed.
    public func setBaudRate(_ baudrate: Int) throws(Failure) {
        guard let speed = Self.speed(baudrate) else { throw Failure(description: "unsupported baud rate \(baudrate)") }
        var options = termios()
        guard tcgetattr(descriptor, &options) == 0 else {
            throw Failure(description: "cannot read the settings of \(path): \(Self.lastError())")
        }
        cfsetispeed(&options, speed)
        cfsetospeed(&options, speed)
        guard tcsetattr(descriptor, TCSANOW, &options) == 0 else {
            throw Failure(description: "cannot set \(path) to \(baudrate) baud: \(Self.lastError())")
        }
    }

    /// Drops bytes received and not read yet (left over from an aborted dialogue).
    public func discardInput() {
        tcflush(descriptor, TCIFLUSH)
    }

    /// Idempotent.
    public func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }

    public static func speed(_ baudrate: Int) -> speed_t? {
        let table: [Int: Int32] = [
            50: B50, 75: B75, 110: B110, 134: B134, 150: B150, 200: B200, 300: B300, 600: B600, 1200: B1200,
            1800: B1800, 2400: B2400, 4800: B4800, 9600: B9600, 19_200: B19200, 38_400: B38400, 57_600: B57600,
            115_200: B115200, 230_400: B230400, 460_800: B460800, 500_000: B500000, 576_000: B576000,
            921_600: B921600, 1_000_000: B1000000, 1_152_000: B1152000, 1_500_000: B1500000,
            2_000_000: B2000000, 2_500_000: B2500000, 3_000_000: B3000000, 3_500_000: B3500000, 4_000_000: B4000000,
        ]
        return table[baudrate].map { speed_t($0) }
    }

    private static func lastError() -> String { FileSystem.errorText() }
}
