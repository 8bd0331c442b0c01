import Foundation

/// A pseudo-terminal pair made with posix_openpt: the test holds the master, a child gets the slave as its terminal.
final class PseudoTerminal {
    let master: Int32
    let slavePath: String
    private(set) var transcript = ""
    private var cursor: String.Index

    /// glibc's posix_openpt, grantpt, unlockpt and ptsname; Swift's Glibc module does not import them.
    private static func function<T>(_ name: String, as type: T.Type) -> T {
        unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)!, to: type)
    }
    private static let posix_openpt = function("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
    private static let grantpt = function("grantpt", as: (@convention(c) (Int32) -> Int32).self)
    private static let unlockpt = function("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
    private static let ptsname = function("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)

    init() throws {
        master = Self.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0, Self.grantpt(master) == 0, Self.unlockpt(master) == 0, let name = Self.ptsname(master) else {
            throw POSIXError(.ENODEV)
        }
        slavePath = String(cString: name)
        cursor = transcript.startIndex
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(master) }

    /// Opens the slave for a child (its standard input, output and error).
    func openSlave() throws -> FileHandle {
        let descriptor = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(.ENODEV) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Reads what the child wrote until `text` appears after the previous match; false after `timeout` seconds.
    @discardableResult
    func expect(_ text: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let range = transcript[cursor...].range(of: text) {
                cursor = range.upperBound
                return true
            }
            guard Date() < deadline else { return false }
            var request = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&request, 1, 50) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = read(master, &buffer, buffer.count)
                if count > 0 {
                    transcript += String(decoding: buffer[0..<count], as: UTF8.self).replacingOccurrences(of: "\r", with: "")
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    usleep(20_000)
                }
            }
        }
    }

    /// Types a line and Enter.
    func send(_ line: String) {
        let bytes = Array((line + "\r").utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads whatever else arrives for `seconds`.
    func drain(seconds: Double) {
        _ = expect("\u{0}never\u{0}", timeout: seconds)
    }
}
