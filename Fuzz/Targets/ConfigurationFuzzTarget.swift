#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The configuration path of the collector: the fuzz bytes as a file, loaded with iniparser (`IniDocument.load`),
/// validated, and each valid reader's decoder built.
enum ConfigurationFuzzTarget {
    static let path = FuzzScratch.directory.appendingPathComponent("fuzz.ini").path

    static let target = FuzzTarget(name: "config", run: { bytes in
        FuzzScratch.write(bytes, to: path)
        guard let document = try? IniDocument.load(path: path) else { return }
        if case .success(let configuration) = ConfigurationValidator(documentLocation: .file(path)).validate(document) {
            for reader in configuration.readers {
                _ = try? ReadingDecoderFactory.make(reader.decoderConfiguration())
            }
        }
    }, seeds: { _ in
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = try [UInt8](Data(contentsOf: repository.appendingPathComponent("etc/datacollector.example.ini")))
        return [
            FuzzTarget.Seed(name: "etc-datacollector.example.ini", bytes: example),
            FuzzTarget.Seed(name: "default-saveconfig.ini", bytes: Array(DefaultConfiguration.text.utf8)),
            FuzzTarget.Seed(name: "every-sink-key.ini", bytes: Array(everySinkKey.utf8)),
            // From Tests/CollectorTests/ConfigurationValidationTests.swift (validConfigurationBuildsTheTypedModel).
            FuzzTarget.Seed(name: "validation-test.ini", bytes: Array("""
                ; comment
                [reader1]
                type = iskraam550
                port = /dev/serial/by-id/usb-FTDI-if00
                baudrate = 9600
                key = 00112233445566778899AABBCCDDEEFF
                auth_key = "FFEEDDCCBBAA99887766554433221100"
                systemtime = yes
                timezone = Europe/Zurich
                id = kitchen

                [reader0]
                type = LGE450
                file = capture.hex   # inline comment
                replay_speed = realtime

                [sink0]
                type = csv
                directory = /tmp/csv
                [sink1]
                type = mqtt
                host = broker.local
                port = 1883
                tls = False
                [logging]
                default = INFO
                sink = DEBUG

                """.utf8)),
        ]
    })

    /// One section per sink type with every key of its schema set to a value of its kind.
    static var everySinkKey: String {
        var text = "[reader0]\ntype = siemens_td3511\nport = /dev/ttyUSB0\n"
        for (index, schema) in SinkSchema.all.enumerated() {
            text += "[sink\(index)]\n"
            for key in schema.keys {
                text += "\(key.name) = \(key.name == "type" ? schema.type : sampleValue(key.kind))\n"
            }
        }
        return text
    }

    private static func sampleValue(_ kind: KeySchema.Kind) -> String {
        switch kind {
        case .text: return "text"
        case .path: return "/tmp/fuzz"
        case .host: return "localhost"
        case .integer(let range): return "\(range.lowerBound)"
        case .baudRate: return "9600"
        case .boolean: return "yes"
        case .choice(let words): return words.first ?? ""
        case .aesKey: return "00112233445566778899AABBCCDDEEFF"
        case .timeZone: return "Europe/Zurich"
        case .meterType: return "lge450"
        case .logLevel: return "INFO"
        case .sinkType: return "logger"
        case .identifier: return "abc"
        }
    }
}

/// A folder of this process for targets that need files, on tmpfs when there is one (fdatasync is then cheap).
enum FuzzScratch {
    static let directory: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("smartmeter-fuzz-\(getpid())")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: FuzzScratch.directory) }
        return url
    }()

    static func write(_ bytes: [UInt8], to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0, "cannot create \(path)")
        defer { close(descriptor) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, bytes.count - done) }
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
    }
}
