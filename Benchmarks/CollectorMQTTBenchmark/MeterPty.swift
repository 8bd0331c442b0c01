import Foundation

/// A pseudo-terminal standing in for the meter's serial port: the collector opens `path`, the harness writes the
/// meter's bytes into the master side.
final class MeterPty: @unchecked Sendable {
    let path: String
    private let master: Int32
    private let slave: Int32

    init() {
        var master: Int32 = 0
        var slave: Int32 = 0
        var name = [CChar](repeating: 0, count: 256)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else { fatalError("openpty failed") }
        var raw = termios()
        tcgetattr(master, &raw)
        cfmakeraw(&raw)
        tcsetattr(master, TCSANOW, &raw)
        self.master = master
        self.slave = slave   // kept open: the pty does not hang up when the collector closes and reopens it
        path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        close(master)
        close(slave)
    }

    /// Writes all of `bytes`, waiting while the pty's buffer is full.
    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress! + offset, bytes.count - offset) }
            if n > 0 { offset += n } else { usleep(100) }
        }
    }

    /// Writes `bytes` only if the pty takes them all now (non-blocking), for a writer that must not stall.
    func offer(_ bytes: [UInt8]) {
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
        _ = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress!, bytes.count) }
        _ = fcntl(master, F_SETFL, flags)
    }
}
