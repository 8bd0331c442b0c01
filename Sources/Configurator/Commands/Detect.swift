import ArgumentParser
import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// `smartmeter-config detect --port DEV`
struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Listen on a serial port at each plausible setting and tell what meter is there.",
        discussion: """
            Opens the port at each serial setting our meter types use (2400 8E1, 2400 8N1, 115200 8N1, 9600 7E1; \
            300 7E1 with an IEC 62056-21 sign-on and readout) and listens --seconds at each. For each it reports what \
            it heard: HDLC or M-Bus frames, DSMR P1 telegrams, an IEC 62056-21 identification, noise (usually a wrong \
            speed or parity) or nothing (wrong port, cable, or a P1 port whose request line is not powered); the \
            meter id; whether the payload is encrypted; and, with --key, whether that key decrypts it. It ends with \
            the [readerN] section to use. Meters push every 1 to 10 seconds, so keep --seconds above that.
            The collector must not be reading the port at the same time (sudo systemctl stop smartmeter-datacollector).
            Exit status: 0 a meter was recognised, 1 nothing recognised, 2 bad arguments or the port cannot be opened.
            """)

    @Option(help: ArgumentHelp("Serial device, for example /dev/ttyUSB0.", valueName: "device"))
    var port: String

    @Option(help: ArgumentHelp("Seconds to listen at each setting.", valueName: "n"))
    var seconds: Double = 11

    @Option(help: ArgumentHelp("Encryption key to check, 32 hex characters (64 for security suite 2).", valueName: "hex"))
    var key: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("Instead of --key: read the key from this file ('-': standard input).", valueName: "path"))
    var keyFile: String?

    @Option(help: ArgumentHelp("Try only this meter type and its serial setting.", valueName: "type"))
    var type: String?

    mutating func validate() throws {
        key = try SecretInput.resolve(key, option: "--key", file: keyFile, fileOption: "--key-file")
        keyFile = nil
        if let key, Hex.encryptionKey(key) == nil { throw ValidationError("--key must be 32 hex characters (64 for security suite 2)") }
        if let type, MeterType(rawValue: type.lowercased()) == nil {
            throw ValidationError("unknown meter type '\(type)'; one of: \(MeterType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if !(seconds > 0 && seconds <= 600) { throw ValidationError("--seconds must be between 0 and 600") }
    }

    /// The settings to try, each with the meter types that use it, in the order of the meter table in docs/meters.md.
    var plan: [(settings: MeterType.SerialSettings, types: [MeterType])] {
        let types = type.flatMap { MeterType(rawValue: $0.lowercased()) }.map { [$0] } ?? MeterType.allCases
        var plan: [(settings: MeterType.SerialSettings, types: [MeterType])] = []
        for meter in types {
            if let index = plan.firstIndex(where: { $0.settings == meter.serialDefaults }) {
                plan[index].types.append(meter)
            } else {
                plan.append((meter.serialDefaults, [meter]))
            }
        }
        return plan
    }

    func run() throws {
        let plan = plan
        let keyBytes = key.flatMap { Hex.encryptionKey($0) }
        Console.out("Listening on \(port) for \(Self.format(seconds)) s at each of \(plan.count) setting"
                    + (plan.count == 1 ? "" : "s") + " (about \(Int((seconds * Double(plan.count)).rounded(.up))) s).")
        var found: [(settings: MeterType.SerialSettings, verdict: StreamVerdict)] = []
        for (settings, types) in plan {
            let signOn = types.contains { $0.linkLayer == .iec62056_21 }
            let bytes = try listen(settings: settings, signOn: signOn)
            let verdict = StreamVerdict.classify(bytes, candidates: types, key: keyBytes)
            Console.out("  \(settings): \(verdict.summary)")
            switch verdict.kind {
            case .frames, .identification: found.append((settings, verdict))
            case .nothing, .noise: break
            }
        }
        // The setting whose meter type the meter id's maker confirms, then the most readings, then the most frames.
        func rank(_ verdict: StreamVerdict) -> (Int, Int, Int) {
            var confirmed = 0
            if case .frames(let meter) = verdict.kind, let prefix = verdict.meterID?.prefix(3).uppercased(),
               let maker = StreamVerdict.manufacturers[prefix], maker == meter || verdict.alternatives.contains(maker) {
                confirmed = 1
            }
            return (confirmed, verdict.statistics.readings, verdict.statistics.frames)
        }
        guard let best = found.max(by: { rank($0.verdict) < rank($1.verdict) }) else {
            Console.out("\nNo meter recognised on \(port).")
            Console.out(type == nil
                ? "Check the cable and the port (is it the right /dev/ttyUSB*?), that the customer interface is enabled by your grid operator, and for P1 ports that the request line gets 5 V."
                : "Run detect without --type to try every serial setting.")
            throw ExitCode(1)
        }
        report(best.settings, best.verdict)
    }

    private func report(_ settings: MeterType.SerialSettings, _ verdict: StreamVerdict) {
        let meter: MeterType
        switch verdict.kind {
        case .frames(let type): meter = type
        case .identification(let text):
            Console.out("\nAn IEC 62056-21 meter answered at \(settings): /\(text)")
            meter = .siemens_td3511
        case .nothing, .noise: return
        }
        Console.out("\nFound: \(meter.rawValue), \(meter.summary), at \(settings).")
        if !verdict.alternatives.isEmpty {
            Console.out("The frames fit \(verdict.alternatives.map(\.rawValue).joined(separator: ", ")) as well; pick the type of the meter on your wall.")
        }
        var lines = ["[reader0]", "type = \(meter.rawValue)", "port = \(port)"]
        if settings != meter.serialDefaults {
            lines += ["baudrate = \(settings.baudrate)", "parity = \(settings.parity)",
                      "databits = \(settings.dataBits)", "stopbits = \(settings.stopBits)"]
        }
        if verdict.encrypted == true {
            lines.append(verdict.keyWorks == true ? "key = \(key!.replacing(" ", with: "").uppercased())"
                         : "key = (the 32 hex characters from your grid operator)")
        }
        Console.out("Suggested section (add it with 'smartmeter-config add-reader' or the wizard):\n")
        for line in lines { Console.out("    " + line) }
        if verdict.encrypted == true && verdict.keyWorks == false {
            Console.out("\nThe key given does not decrypt this meter's messages: ask your grid operator for the key of meter \(verdict.meterID ?? "on this port").")
        }
    }

    /// Bytes heard at one setting.
    private func listen(settings: MeterType.SerialSettings, signOn: Bool) throws -> [UInt8] {
        let device: SerialPort
        do {
            device = try SerialPort(path: port, settings: settings, writable: signOn)
        } catch {
            Console.fail("detect", "\(error)" + (errno == EACCES ? " (add yourself to the 'dialout' group or use sudo)" : ""))
            throw ExitCode(2)
        }
        defer { device.close() }
        var bytes: [UInt8] = []
        if signOn {
            // The collector's own readout: sign-on, acknowledgement, data block (or as far as the meter answers).
            var exchange = IEC62056ModeCExchange()
            let outcome = exchange.run(on: device, deadline: MonotonicClock.system.deadline(after: .seconds(seconds)),
                                       received: { bytes += $0 }, deliver: { _ in })
            if case .closed(let reason) = outcome { Console.fail("detect", "\(port): \(reason)") }
            return bytes
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        let clock = MonotonicClock.system
        let deadline = clock.deadline(after: .seconds(seconds))
        while clock.now < deadline, bytes.count < 1 << 20 {
            let left = Int32(max(1, min(200, (deadline - clock.now).seconds * 1000)))
            switch device.read(into: buffer, timeout: left) {
            case .data(let count): bytes += buffer[0..<count]
            case .timeout: continue
            case .closed(let reason):
                Console.fail("detect", "\(port): \(reason)")
                return bytes
            }
        }
        return bytes
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
