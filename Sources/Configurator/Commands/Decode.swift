import ArgumentParser
import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// `smartmeter-config decode`: decodes a capture offline and prints one JSON object per reading.
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a meter capture (hex text or raw bytes) and print one JSON line per reading.",
        discussion: """
            FILE holds the bytes the meter sent, either as hex text (whitespace and line breaks anywhere, as pasted \
            from logs) or raw binary; '-' or no FILE reads standard input. Readings go to standard output, one JSON \
            object per line; a summary (frames, messages, readings, dropped frames and why) goes to standard error.
            Exit status: 0 when the input could be read, whatever it held; 2 for bad arguments or an unreadable file.
            """)

    @Option(name: .long, help: ArgumentHelp("Meter type: \(MeterType.allCases.map(\.rawValue).joined(separator: ", ")).",
                                            valueName: "type"))
    var type: String

    @Option(name: .long, help: ArgumentHelp("Encryption key, 32 hex characters (AES-128; 64 for security suite 2, AES-256).", valueName: "hex"))
    var key: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("Instead of --key: read the key from this file ('-': standard input).", valueName: "path"))
    var keyFile: String?

    @Option(name: .customLong("auth-key-file"), help: ArgumentHelp("Instead of --auth-key: read it from this file ('-': standard input).", valueName: "path"))
    var authKeyFile: String?

    @Option(name: .customLong("auth-key"),
            help: ArgumentHelp("Authentication key, 32 hex characters (64 for security suite 2); GCM tags are then verified.", valueName: "hex"))
    var authKey: String?

    @Option(name: .long, help: ArgumentHelp("Time zone for meter times sent without a UTC offset (default: Europe/Brussels for P1 meter types, else the system's).",
                                            valueName: "zone"))
    var timezone: String?

    @Flag(name: .long, help: "Print every dropped frame or message on standard error, not just the summary.")
    var verbose = false

    @Argument(help: ArgumentHelp("Capture file, or '-' for standard input.", valueName: "file"))
    var file: String?

    mutating func validate() throws {
        try SecretInput.checkOneStandardInput([("--key-file", keyFile), ("--auth-key-file", authKeyFile)],
                                              also: file == nil || file == "-" ? "the capture" : nil)
        key = try SecretInput.resolve(key, option: "--key", file: keyFile, fileOption: "--key-file")
        authKey = try SecretInput.resolve(authKey, option: "--auth-key", file: authKeyFile, fileOption: "--auth-key-file")
        keyFile = nil
        authKeyFile = nil
        guard MeterType(rawValue: type) != nil else {
            throw ValidationError("unknown meter type '\(type)'; one of: \(MeterType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let key, Hex.encryptionKey(key) == nil { throw ValidationError("--key must be 32 hex characters (64 for security suite 2)") }
        if let authKey, Hex.encryptionKey(authKey) == nil { throw ValidationError("--auth-key must be 32 hex characters (64 for security suite 2)") }
        if authKey != nil && key == nil { throw ValidationError("--auth-key needs --key") }
        if let timezone, TimeZoneRules(identifier: timezone) == nil {
            throw ValidationError("unknown time zone '\(timezone)' (use a name like Europe/Zurich)")
        }
    }

    func run() throws {
        let input: CaptureReadAhead
        do {
            // Read and converted from hex on a thread of its own while this one decodes (see CaptureReadAhead).
            input = CaptureReadAhead(try CaptureFile(path: file))
        } catch {
            _ = FileSystem.writeAll(STDERR_FILENO, "smartmeter-config decode: \(error)\n")
            throw ExitCode(2)
        }
        defer { input.close() }
        let meter = MeterType(rawValue: type)!
        // --timezone, else the meter type's usual zone (Europe/Brussels for P1 meters), else the system's.
        let zone = (timezone ?? meter.defaultTimeZoneIdentifier).flatMap { ZoneOffsetResolver(identifier: $0) } ?? .systemZone
        var decoder = try ReadingDecoderFactory.make(DecoderConfiguration(
            meter: meter, key: key.flatMap { Hex.encryptionKey($0) }, authenticationKey: authKey.flatMap { Hex.encryptionKey($0) },
            zone: zone, fallbackSource: file.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "stdin"))

        let output = DecodeOutput()
        var problems = ""
        var readings = 0
        let verbose = verbose
        let emit: (DecoderEvent) -> Void = { event in
            switch event {
            case .reading(let reading):
                output.append(reading)
                readings += 1
            case .dropped(let drop):
                if verbose || drop.reason == .decryptionFailed || drop.reason == .authenticationFailed || drop.reason == .noKey {
                    problems += "dropped: \(drop)\n"
                }
            }
        }
        var progress = DecodeProgress(totalBytes: input.size)
        while input.next({ decoder.feed($0, emit: emit) }) {
            progress.update(bytesRead: input.bytesRead, readings: readings)
        }
        decoder.finish(emit: emit)
        output.finish()
        progress.clear()
        if let error = input.readError { problems += "cannot read \(input.path): \(error)\n" }
        if input.skippedCharacters > 0 {
            problems += "\(input.skippedCharacters) characters that are not hex digits were skipped\n"
        }
        _ = FileSystem.writeAll(STDERR_FILENO, problems + decoder.statistics.summary + "\n")
    }
}
