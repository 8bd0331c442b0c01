import Foundation

/// One fuzz target: a function of arbitrary bytes that must neither crash, leak nor hang, and its seed inputs.
struct FuzzTarget {
    struct Seed {
        var name: String
        var bytes: [UInt8]
    }

    var name: String
    var run: ([UInt8]) -> Void
    /// Seeds from the shared captures (`testdata`, see its README for each file's source) and the tests.
    var seeds: (_ testdata: URL) throws -> [Seed]
}

enum FuzzTargets {
    static let all: [FuzzTarget] = [
        DLMSFuzzTarget.withoutKey,
        DLMSFuzzTarget.withKey,
        AXDRFuzzTarget.target,
        P1FuzzTarget.target,
        IEC62056FuzzTarget.target,
        ConfigurationFuzzTarget.target,
        SpoolFuzzTarget.target,
    ]
}

/// Helpers shared by the targets.
enum FuzzInput {
    /// The files of a testdata folder with one of the extensions, sorted by name.
    static func files(_ folder: URL, extensions: Set<String>) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { extensions.contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A capture's bytes, read as the collector's file reader reads it (hex dumps are decoded).
    static func capture(_ file: URL) throws -> [UInt8] {
        Hex.bytes(fromCapture: [UInt8](try Data(contentsOf: file)))
    }

    /// Feeds `stream` to a decoder in two reads cut where `cut` (0...255) says, then ends the input: frames split
    /// across reads are the common case on a serial port.
    static func feed(_ decoder: inout any ReadingDecoder, _ stream: ArraySlice<UInt8>, cut: UInt8) {
        let split = stream.startIndex + stream.count * Int(cut) / 255
        var events = 0
        decoder.feed(stream[..<split]) { _ in events += 1 }
        decoder.feed(stream[split...]) { _ in events += 1 }
        decoder.finish { _ in events += 1 }
        let statistics = decoder.statistics
        precondition(statistics.bytes == stream.count, "decoder counted \(statistics.bytes) of \(stream.count) bytes")
        precondition(statistics.readings + statistics.droppedTotal == events, "\(events) events reported but \(statistics.summary)")
    }
}
