#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The configuration path of the collector: the fuzz bytes as a file, loaded by iniparser's rules
/// (`IniDocument.load`), validated, and each valid reader's decoder built. Then what `smartmeter-config set` does
/// with an arbitrary value (the input's last bytes) in a section of the file: the edited text must hold the same
/// sections, plus the one set when it was missing, and read the value back as it was given.
enum ConfigurationFuzzTarget {
    static let path = FuzzScratch.directory.appendingPathComponent("fuzz.ini").path
    static let editedPath = FuzzScratch.directory.appendingPathComponent("fuzz-edited.ini").path
    static let keys = ["password", "topic_prefix", "key", "name", "port"]

    static let target = FuzzTarget(name: "config", run: { bytes in
        FuzzScratch.write(bytes, to: path)
        guard let document = try? IniDocument.load(path: path) else { return }
        if case .success(let configuration) = ConfigurationValidator(documentLocation: .file(path)).validate(document) {
            for reader in configuration.readers {
                _ = try? ReadingDecoderFactory.make(reader.decoderConfiguration())
            }
        }
        checkSet(bytes, document: document)
    }, seeds: { _ in
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = try [UInt8](Data(contentsOf: repository.appendingPathComponent("etc/datacollector.example.ini")))
        // Also read by Tests/CollectorTests/ConfigurationValidationTests.swift (validConfigurationBuildsTheTypedModel).
        let typedModel = try [UInt8](Data(contentsOf: repository.appendingPathComponent("Fuzz/Seeds/typed-model.ini")))
        return [
            FuzzTarget.Seed(name: "etc-datacollector.example.ini", bytes: example),
            FuzzTarget.Seed(name: "default-saveconfig.ini", bytes: Array(DefaultConfiguration.text.utf8)),
            FuzzTarget.Seed(name: "every-sink-key.ini", bytes: Array(everySinkKey.utf8)),
            FuzzTarget.Seed(name: "validation-test.ini", bytes: typedModel),
        ]
    })

    /// `set` of a value made of the input's last bytes in one of the file's sections (or a new one): the sections stay
    /// as they were, and the value reads back as given (trimmed, as `set` trims it).
    static func checkSet(_ bytes: [UInt8], document: IniDocument) {
        guard document.syntaxProblems.isEmpty else { return }
        let value = String(decoding: bytes.suffix(bytes.count % 61), as: UTF8.self).trimmed
        // What every writing subcommand refuses (EditableText).
        guard !value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }),
              IniTextEditor.unwritableReason(value) == nil else { return }
        let names = document.sections.map(\.name)
        let section = names.isEmpty || bytes.count % 7 == 0 ? "sink\(bytes.count % 5)" : names[bytes.count % names.count]
        let key = keys[bytes.count % keys.count]
        var editor = IniTextEditor(text: String(decoding: bytes, as: UTF8.self))
        editor.set(section: section, key: key, value: value)
        FuzzScratch.write(Array(editor.text.utf8), to: editedPath)
        guard let edited = try? IniDocument.load(path: editedPath) else { preconditionFailure("set made the file unreadable") }
        precondition(edited.syntaxProblems.isEmpty, "set made a syntax error: \(edited.syntaxProblems)")
        let before = Set(names).union([section]), after = Set(edited.sections.map(\.name))
        precondition(before == after, "set \(section).\(key) changed the sections from \(before.sorted()) to \(after.sorted())")
        // iniparser merges a repeated section (validation reports it): the value then depends on the other copies.
        guard names.filter({ $0 == section }).count <= 1 else { return }
        let readBack = edited.sections.last { $0.name == section }?.entry(key)?.value
        precondition(readBack == value, "set \(section).\(key) wrote \(value.debugDescription), read back \(String(describing: readBack).debugDescription)")
    }

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
        case .topicLevels: return "home/meters"
        case .clientID: return "meter-1"
        case .connectionString: return "host=db user=meter"
        case .listenAddresses: return "127.0.0.1:8180"
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
