import Foundation

/// The A-XDR decoder alone, without framing or deciphering: a sequence of `Data` values, and the same bytes as a
/// data-notification APDU turned into a reading (what `DLMSMessageDecoder` does with a complete APDU).
enum AXDRFuzzTarget {
    static let builder = ReadingBuilder(meter: .kaifa, zone: FuzzZone.brussels, fallbackSource: "fuzz")

    static let target = FuzzTarget(name: "axdr", run: { bytes in
        var reader = AXDRDecoder(bytes[...])
        var values = 0
        while !reader.isAtEnd, (try? reader.decodeValue()) != nil {
            values += 1
        }
        precondition(values <= bytes.count, "\(values) values from \(bytes.count) bytes")
        if let notification = try? DataNotification(decoding: bytes[...]) {
            _ = builder.reading(from: notification)
        }
    }, seeds: { testdata in
        // The APDUs inside the unencrypted HDLC captures: each data-notification whole, and from its date-time on
        // (a plain sequence of A-XDR values).
        var seeds: [FuzzTarget.Seed] = []
        for file in try FuzzInput.files(testdata.appendingPathComponent("hdlc"), extensions: ["hex"])
        where !file.lastPathComponent.contains("encrypted") {
            for (index, apdu) in apdus(in: try FuzzInput.capture(file)).enumerated() {
                let name = file.deletingPathExtension().lastPathComponent + "-apdu\(index)"
                seeds.append(FuzzTarget.Seed(name: name, bytes: apdu))
                seeds.append(FuzzTarget.Seed(name: name + "-values", bytes: Array(apdu.dropFirst(5))))
            }
        }
        return seeds
    })

    /// Complete APDUs of an HDLC stream (block transfers joined).
    private static func apdus(in stream: [UInt8]) -> [[UInt8]] {
        var link = FramedLink(framer: HDLCFramer(), assembler: HDLCSegmentAssembler())
        var blocks = GeneralBlockTransfer()
        var result: [[UInt8]] = []
        stream.withUnsafeBytes { buffer in
            link.feed(buffer) { output in
                guard case .payload(let payload, let offset) = output else { return }
                if payload.first == GeneralBlockTransfer.tag {
                    var interrupted: Drop? = nil
                    if case .apdu(let inner, _)? = blocks.add(payload, offset: offset, interrupted: &interrupted) {
                        result.append(Array(inner))
                    }
                } else {
                    result.append(Array(payload))
                }
            }
        }
        return result
    }
}
