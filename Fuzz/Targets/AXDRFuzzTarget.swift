import Foundation

/// The A-XDR decoders alone, without framing or deciphering. The bytes as one value: the flat decoder of the hot path
/// (`AXDRTape`) must accept exactly what the tree decoder (`AXDRDecoder`, the one that explains errors) accepts, and
/// read the same value. The bytes as a data-notification APDU: decoded as `DLMSMessageDecoder` does and turned into a
/// reading.
enum AXDRFuzzTarget {
    static let builder = ReadingBuilder(meter: .kaifa, zone: FuzzZone.brussels, fallbackSource: "fuzz")

    static let target = FuzzTarget(name: "axdr", run: { bytes in
        var decoder = AXDRDecoder(bytes[...])
        let tree = (try? decoder.decodeValue()).flatMap { decoder.isAtEnd ? $0 : nil }
        var tape = AXDRTape()
        let flat = (try? tape.decode(bytes[...], from: 0)) != nil ? tape.value(0) : nil
        // Compared as text so that a NaN read by both counts as the same value.
        precondition(tree.map { "\($0)" } == flat.map { "\($0)" },
                     "tree decoder read \(tree.map { "\($0)" } ?? "nothing"), tape \(flat.map { "\($0)" } ?? "nothing")")

        var notification = DecodedNotification()
        if (try? notification.decode(bytes[...])) != nil {
            var builder = AXDRFuzzTarget.builder
            _ = builder.reading(from: notification)
        }
    }, seeds: { testdata in
        // The APDUs inside the unencrypted HDLC captures: each data-notification whole, and its body alone (one
        // A-XDR value, after the invoke id and the date-time: 00, or [09] 0C + 12 bytes).
        var seeds: [FuzzTarget.Seed] = []
        for file in try FuzzInput.files(testdata.appendingPathComponent("hdlc"), extensions: ["hex"])
        where !file.lastPathComponent.contains("encrypted") {
            for (index, apdu) in apdus(in: try FuzzInput.capture(file)).enumerated() where apdu.count > 6 {
                let name = file.deletingPathExtension().lastPathComponent + "-apdu\(index)"
                seeds.append(FuzzTarget.Seed(name: name, bytes: apdu))
                let bodyStart = apdu[5] == 0x00 ? 6 : apdu[5] == 0x09 ? 19 : 18
                if bodyStart < apdu.count {
                    seeds.append(FuzzTarget.Seed(name: name + "-body", bytes: Array(apdu[bodyStart...])))
                }
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
