import Foundation
import TestSupport
import Protocols
import Testing
import TestThreads

/// `smartmeter-config detect` on a pseudo-terminal that plays a meter: the capture arrives only while the port is
/// set to the meter's speed; at any other speed the "line" delivers noise, as a UART would. (Parity and data bits
/// cannot be told on a pty: Linux forces CS8 without parity there.)
@Suite("smartmeter-config detect", .onOwnThread, .serialized)
struct DetectCommandTests {
    /// The meter's side of the line, on its own thread.
    final class MeterLine: @unchecked Sendable {
        let terminal: PseudoTerminal
        private let observer: Int32
        private let speed: Int32, parity: Character, dataBits: Int
        private let chunks: [[UInt8]]
        private let signOnReply: String?
        private let silent: Bool
        private let lock = NSLock()
        private var stopped = false
        private var finished = false

        /// `speed`: the setting at which `chunks` are sent (one every 150 ms, cycling);
        /// `signOnReply`: sent when the request `/?!` arrives at that setting (IEC 62056-21).
        init(speed: Int32, parity: Character, dataBits: Int, chunks: [[UInt8]], signOnReply: String? = nil, silent: Bool = false) throws {
            terminal = try PseudoTerminal()
            // Our own descriptor of the slave: to see the settings detect chose, and to keep the line up between opens.
            observer = open(terminal.slavePath, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            var raw = termios()
            tcgetattr(observer, &raw)
            cfmakeraw(&raw)
            tcsetattr(observer, TCSANOW, &raw)
            (self.speed, self.parity, self.dataBits) = (speed, parity, dataBits)
            (self.chunks, self.signOnReply, self.silent) = (chunks, signOnReply, silent)
            Thread { [self] in self.play() }.start()
        }

        private func play() {
            var scratch = [UInt8](repeating: 0, count: 4096)
            var index = 0
            let master = terminal.master
            while !lock.withLock({ stopped }) {
                var options = termios()
                tcgetattr(observer, &options)
                // A Linux pty keeps the speed but forces CS8 without parity, so only the speed tells settings apart.
                let matches = cfgetospeed(&options) == speed_t(speed)
                let heard = read(master, &scratch, scratch.count)
                if matches, heard > 0, let reply = signOnReply,
                   String(decoding: scratch[0..<heard], as: UTF8.self).contains("/?!") {
                    _ = Array(reply.utf8).withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
                }
                if !silent {
                    let bytes: [UInt8]
                    if matches {
                        bytes = chunks.isEmpty ? [] : chunks[index % chunks.count]
                        index += 1
                    } else {
                        bytes = (0..<24).map { _ in UInt8.random(in: 0...255) }
                    }
                    _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
                }
                usleep(150_000)
            }
            lock.withLock { finished = true }
        }

        func stop() {
            lock.withLock { stopped = true }
            // Its thread ends within one pass; the descriptor is closed only after it.
            if eventually(timeout: 10, { self.lock.withLock { self.finished } }) { close(observer) }
        }
    }

    static func frames(_ name: String) throws -> [[UInt8]] {
        let text = try String(contentsOf: Configurator.testdata.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: " ").compactMap { UInt8($0, radix: 16) } }.filter { !$0.isEmpty }
    }

    static let e450Key = "F08660A6C19D2048556BF623AB0257E6"

    @Test("an E450 at 2400 8E1: found among all settings, noise at the others, the reader section suggested")
    func e450AllSettings() throws {
        let line = try MeterLine(speed: B2400, parity: "E", dataBits: 8, chunks: try Self.frames("hdlc/lge450-gbt-vse2026.hex"))
        defer { line.stop() }
        let port = line.terminal.slavePath
        let result = try Configurator.run(["detect", "--port", port, "--seconds", "1.5"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Listening on \(port) for 1.5 s at each of 5 settings (about 8 s).")
        #expect(lines.contains { $0.hasPrefix("  2400 8E1: HDLC frames: ") && $0.contains("; meter id LGZ") && $0.hasSuffix("; not encrypted") },
                "\(result.stdout)")
        // 2400 8N1 has the same speed, so on a pty it hears the frames too; the meter id's maker picks 8E1.
        #expect(lines.contains { $0.hasPrefix("  2400 8N1: HDLC frames: ") })
        for other in ["115200 8N1", "9600 7E1", "300 7E1"] {
            #expect(lines.contains { $0.hasPrefix("  \(other): noise: ") && $0.hasSuffix("bytes, no frame or telegram (wrong speed or parity, or not a meter)") },
                    "\(other): \(result.stdout)")
        }
        #expect(result.stdout.contains("\nFound: lge450, Landis+Gyr E450 (EKZ and other Swiss utilities, CII port, HDLC/DLMS), at 2400 8E1.\n"))
        #expect(result.stdout.contains("The frames fit lge360, lge570, aidon, kaifa as well"))
        #expect(result.stdout.hasSuffix("\n    [reader0]\n    type = lge450\n    port = \(port)\n"))
    }

    @Test("the wrong setting only (--type iskraam550 is 115200 8N1): noise, nothing recognised, exit 1")
    func wrongSetting() throws {
        let line = try MeterLine(speed: B2400, parity: "E", dataBits: 8, chunks: try Self.frames("hdlc/lge450-gbt-vse2026.hex"))
        defer { line.stop() }
        let result = try Configurator.run(["detect", "--port", line.terminal.slavePath, "--seconds", "1", "--type", "iskraam550"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("  115200 8N1: noise: "))
        #expect(result.stdout.hasSuffix("\nNo meter recognised on \(line.terminal.slavePath).\nRun detect without --type to try every serial setting.\n"))
    }

    @Test("--key-file: the key read from a file decrypts the encrypted E450")
    func encryptedKeyFile() throws {
        let line = try MeterLine(speed: B2400, parity: "E", dataBits: 8, chunks: try Self.frames("hdlc/lge450-encrypted-gbt.hex"))
        defer { line.stop() }
        let scratch = try TestFolder()
        let keyFile = try scratch.write("meter.key", Self.e450Key + "\n")
        let result = try Configurator.run(["detect", "--port", line.terminal.slavePath, "--seconds", "1.5", "--type", "lge450",
                                           "--key-file", keyFile])
        #expect(result.stdout.contains("; encrypted, and the key decrypts it"), "\(result.stdout)")
    }

    @Test("an encrypted E450: needs a key, the right key decrypts, a wrong key is named", arguments: [
        (nil, "; encrypted (give --key to check your key)", "key = (the 32 hex characters from your grid operator)"),
        (e450Key, "; encrypted, and the key decrypts it", "key = \(e450Key)"),
        ("00000000000000000000000000000000", "; encrypted, and the key given does NOT decrypt it (wrong key?)",
         "The key given does not decrypt this meter's messages"),
    ] as [(String?, String, String)])
    func encrypted(_ key: String?, _ verdict: String, _ advice: String) throws {
        let line = try MeterLine(speed: B2400, parity: "E", dataBits: 8, chunks: try Self.frames("hdlc/lge450-encrypted-gbt.hex"))
        defer { line.stop() }
        let result = try Configurator.run(["detect", "--port", line.terminal.slavePath, "--seconds", "1.5", "--type", "lge450"]
                                          + (key.map { ["--key", $0] } ?? []))
        #expect(result.status == 0)
        #expect(result.stdout.contains("  2400 8E1: HDLC frames: "), "\(result.stdout)")
        #expect(result.stdout.contains(verdict), "\(result.stdout)")
        #expect(result.stdout.contains(advice), "\(result.stdout)")
    }

    @Test("a Fluvius P1 port at 115200 8N1: DSMR telegrams, fluvius chosen by its header")
    func fluvius() throws {
        let telegram = try String(contentsOf: Configurator.testdata.appendingPathComponent("dsmr/fluvius-v171.txt"), encoding: .utf8)
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let bytes = Array(telegram.utf8)
        let chunks = stride(from: 0, to: bytes.count, by: 256).map { Array(bytes[$0..<min($0 + 256, bytes.count)]) }
        let line = try MeterLine(speed: B115200, parity: "N", dataBits: 8, chunks: chunks)
        defer { line.stop() }
        let result = try Configurator.run(["detect", "--port", line.terminal.slavePath, "--seconds", "2.5", "--type", "fluvius"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("  115200 8N1: DSMR P1 telegrams: "), "\(result.stdout)")
        #expect(result.stdout.contains("Found: fluvius, Fluvius e-MUCS P1 port (Belgium), at 115200 8N1."))
    }

    @Test("an IEC 62056-21 meter answers the sign-on request at 300 7E1")
    func iecIdentification() throws {
        let line = try MeterLine(speed: B300, parity: "E", dataBits: 7, chunks: [], signOnReply: "/SIE5TD3511\r\n", silent: true)
        defer { line.stop() }
        let result = try Configurator.run(["detect", "--port", line.terminal.slavePath, "--seconds", "1", "--type", "siemens_td3511"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("  300 7E1: IEC 62056-21 identification /SIE5TD3511\n"))
        #expect(result.stdout.contains("type = siemens_td3511"))
    }

    @Test("a hostile meter's id and identification are shown escaped, never as terminal controls")
    func hostileMeterText() throws {
        var telegram = try String(contentsOf: Configurator.testdata.appendingPathComponent("dsmr/fluvius-v171.txt"), encoding: .utf8)
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            .replacingOccurrences(of: "0-0:96.1.1(3153414733313031303231363035)", with: "0-0:96.1.1(EVIL\u{1B}[2J\u{202E}X)")
        telegram = String(telegram[...telegram.firstIndex(of: "!")!])
        telegram += String(CRC16.arc.checksum(Array(telegram.utf8)), radix: 16, uppercase: true)
            .leftPadded(to: 4) + "\r\n"
        let bytes = Array(telegram.utf8)
        let line = try MeterLine(speed: B115200, parity: "N", dataBits: 8, chunks: [bytes, bytes])
        defer { line.stop() }
        let result = try Configurator.run(["detect", "--port", line.terminal.slavePath, "--seconds", "2.5", "--type", "fluvius"])
        #expect(result.stdout.contains("meter id EVIL\\x1B[2J\\u{202E}X"), "\(result.stdout)")
        #expect(!result.stdout.unicodeScalars.contains { $0 != "\n" && TextSafety.isUnsafe($0) })

        let iec = try MeterLine(speed: B300, parity: "E", dataBits: 7, chunks: [],
                                signOnReply: "/SIE5\u{1B}]0;pwned\u{07}\r\n", silent: true)
        defer { iec.stop() }
        let answer = try Configurator.run(["detect", "--port", iec.terminal.slavePath, "--seconds", "1", "--type", "siemens_td3511"])
        #expect(!answer.stdout.unicodeScalars.contains { $0 != "\n" && TextSafety.isUnsafe($0) }, "\(answer.stdout)")
        #expect(!answer.stderr.unicodeScalars.contains { $0 != "\n" && TextSafety.isUnsafe($0) }, "\(answer.stderr)")
    }

    @Test("silence: nothing received; a missing port: exit 2")
    func silenceAndMissing() throws {
        let line = try MeterLine(speed: B2400, parity: "E", dataBits: 8, chunks: [], silent: true)
        defer { line.stop() }
        let quiet = try Configurator.run(["detect", "--port", line.terminal.slavePath, "--seconds", "0.5", "--type", "lge450"])
        #expect(quiet.status == 1)
        #expect(quiet.stdout.contains("  2400 8E1: nothing received\n"))
        let missing = try Configurator.run(["detect", "--port", "/dev/ttyNOPE7", "--seconds", "0.5"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "smartmeter-config detect: cannot open /dev/ttyNOPE7: No such file or directory\n")
        let usage = try Configurator.run(["detect", "--port", "/dev/null", "--key", "12"])
        #expect(usage.status == 2)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
