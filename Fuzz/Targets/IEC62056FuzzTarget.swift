import Foundation

/// The IEC 62056-21 mode C path: the session (identification, acknowledgement, data block) hands the meter's bytes
/// to the readout decoder, as the collector's IEC reader does; the same bytes also go to a decoder directly (a
/// replayed capture).
///
/// Input: byte 0 is where the stream is cut into two reads, the rest is what the meter sends.
enum IEC62056FuzzTarget {
    static let configuration = DecoderConfiguration(meter: .siemens_td3511, zone: FuzzZone.brussels, fallbackSource: "fuzz")

    static let target = FuzzTarget(name: "iec62056-21", run: { bytes in
        guard let cut = bytes.first else { return }
        let stream = bytes[1...]
        var direct = try! ReadingDecoderFactory.make(configuration)
        FuzzInput.feed(&direct, stream, cut: cut)

        var session = IEC62056ModeCSession()
        var throughSession = try! ReadingDecoderFactory.make(configuration)
        _ = session.start()
        let split = stream.startIndex + stream.count * Int(cut) / 255
        let actions = session.receive(stream[..<split]) + session.receive(stream[split...]) + session.timeout()
        for case .deliver(let delivered) in actions {
            throughSession.feed(delivered) { _ in }
        }
        throughSession.finish { _ in }
    }, seeds: { testdata in
        var seeds: [FuzzTarget.Seed] = []
        for file in try FuzzInput.files(testdata.appendingPathComponent("iec62056-21"), extensions: ["txt"]) {
            let name = file.deletingPathExtension().lastPathComponent
            let block = try FuzzInput.capture(file)
            seeds.append(FuzzTarget.Seed(name: name + "-bare", bytes: [255] + block))
            // As a meter sends it in mode C: identification, then STX block ETX BCC (XOR after STX through ETX).
            let bcc = (block + [0x03]).reduce(UInt8(0), ^)
            let enveloped = Array("/SIE5TD3511\r\n".utf8) + [0x02] + block + [0x03, bcc]
            seeds.append(FuzzTarget.Seed(name: name + "-mode-c", bytes: [128] + enveloped))
        }
        return seeds
    })
}
