import Foundation
import TestSupport

// Writes large generated meter streams for the decode benchmarks, so that our decoder and the reference
// implementations (bench/compare.sh) decode the very same bytes:
//
//   e450-gbt.bin        E450 push messages, 6 HDLC frames each (general-block-transfer), no encryption
//   e570-gbt-gcm.bin    E570 push messages, AES-128-GCM general-glo-ciphering (security control 0x30), 6 frames each
//   fluvius.txt         Fluvius P1 telegrams with valid CRCs
//   NAME.chunks         for each stream, the sizes of the reads that deliver it (random, 1 to 512 bytes,
//                       little-endian UInt16), standing in for the serial port's random segmentation
//   NAME.sizes          the size of each message (little-endian UInt16), for harnesses that send one at a time
//   streams.json        what each file holds: message count, bytes, meter type, keys, source captures
//
//   swift run -c release StreamGenerator [--out DIR] [--messages N] [--telegrams N] [--seed S]

var output = ".build/bench-streams"
var messages = 100_000
var telegrams = 100_000
var seed: UInt64 = 1
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--out": output = arguments.popFirst() ?? output
    case "--messages": messages = arguments.popFirst().flatMap { Int($0) } ?? messages
    case "--telegrams": telegrams = arguments.popFirst().flatMap { Int($0) } ?? telegrams
    case "--seed": seed = arguments.popFirst().flatMap { UInt64($0) } ?? seed
    default:
        FileHandle.standardError.write(Data("usage: StreamGenerator [--out DIR] [--messages N] [--telegrams N] [--seed S]\n".utf8))
        exit(2)
    }
}

let key: [UInt8] = Array(0x10...0x1F)                 // 101112...1F, the E570 capture's key
let authenticationKey: [UInt8] = Array(0xD0...0xDF)   // D0D1...DF
func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined() }

try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)

/// Writes `count` messages from `make` into `name` and the random read sizes into `name.chunks`.
@MainActor func writeStream(_ name: String, count: Int, seed: UInt64, _ make: (inout SeededGenerator) -> [UInt8]) throws -> Int {
    var random = SeededGenerator(seed: seed)
    var reads = SeededGenerator(seed: seed ^ 0x5EED)
    let path = output + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    _ = FileManager.default.createFile(atPath: path + ".chunks", contents: nil)
    _ = FileManager.default.createFile(atPath: path + ".sizes", contents: nil)
    let data = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    let chunks = try FileHandle(forWritingTo: URL(fileURLWithPath: path + ".chunks"))
    let messageSizes = try FileHandle(forWritingTo: URL(fileURLWithPath: path + ".sizes"))
    var pendingSizes: [UInt8] = []
    var pending: [UInt8] = []
    var total = 0
    var unchunked = 0
    func flush(final: Bool) {
        var sizes: [UInt8] = []
        while unchunked > 0 && (final || unchunked >= 512) {
            let size = min(unchunked, Int.random(in: 1...512, using: &reads))
            sizes += [UInt8(size & 0xFF), UInt8(size >> 8)]
            unchunked -= size
        }
        chunks.write(Data(sizes))
        data.write(Data(pending))
        messageSizes.write(Data(pendingSizes))
        pending.removeAll(keepingCapacity: true)
        pendingSizes.removeAll(keepingCapacity: true)
    }
    for _ in 0..<count {
        let message = make(&random)
        precondition(message.count <= 0xFFFF)
        pending += message
        pendingSizes += [UInt8(message.count & 0xFF), UInt8(message.count >> 8)]
        total += message.count
        unchunked += message.count
        if pending.count > 1 << 20 { flush(final: false) }
    }
    flush(final: true)
    try data.close()
    try chunks.close()
    try messageSizes.close()
    return total
}

var e450 = PushMessageWriter(layout: .e450)
let e450Frames = HDLCFrameWriter(destination: [0xCE, 0xFF], source: 0x03)
let e450Bytes = try writeStream("e450-gbt.bin", count: messages, seed: seed) { random in
    e450Frames.frames(apdu: e450.next(using: &random), blocks: 6)
}

var e570 = PushMessageWriter(layout: .e570)
let e570Frames = HDLCFrameWriter(destination: [0xCE, 0x9B], source: 0x03)
let cipher = GlobalCipheringWriter(key: key, authenticationKey: authenticationKey,
                                   systemTitle: [0x4C, 0x47, 0x5A, 0x67, 0x74, 0x20, 0x62, 0x95], firstFrameCounter: 9334)
let e570Bytes = try writeStream("e570-gbt-gcm.bin", count: messages, seed: seed + 1) { random in
    e570Frames.frames(apdu: cipher.encrypt(e570.next(using: &random)), blocks: 6)
}

var fluvius = FluviusTelegramWriter()
let fluviusBytes = try writeStream("fluvius.txt", count: telegrams, seed: seed + 2) { random in
    fluvius.next(using: &random)
}

let description: [String: Any] = [
    "seed": seed,
    "streams": [
        ["file": "e450-gbt.bin", "meter": "lge450", "messages": messages, "bytes": e450Bytes, "frames_per_message": 6,
         "values_per_message": 13,
         "based_on": "testdata/hdlc/lge450-gbt-2-messages.hex (scs/smartmeter-datacollector tests/testdata/lg_e450.py UNENCRYPTED_VALID_DATA @1507c3fc4d0f)"],
        ["file": "e570-gbt-gcm.bin", "meter": "lge570", "messages": messages, "bytes": e570Bytes, "frames_per_message": 6,
         "values_per_message": 15, "key": hex(key), "authentication_key": hex(authenticationKey), "security_control": "0x30",
         "based_on": "testdata/hdlc/lge570-encrypted-gbt.hex (scs/smartmeter-datacollector tests/testdata/lg_e570.py ENCRYPTED_VALID_DATA @1507c3fc4d0f)"],
        ["file": "fluvius.txt", "meter": "fluvius", "messages": telegrams, "bytes": fluviusBytes,
         "based_on": "testdata/dsmr/fluvius-v171.txt (ndokter/dsmr_parser test/example_telegrams.py TELEGRAM_FLUVIUS_V171 @fa20ee45a310)"],
    ],
]
try JSONSerialization.data(withJSONObject: description, options: [.prettyPrinted, .sortedKeys])
    .write(to: URL(fileURLWithPath: output + "/streams.json"))
print("wrote \(output): e450-gbt.bin \(e450Bytes) bytes, e570-gbt-gcm.bin \(e570Bytes) bytes, fluvius.txt \(fluviusBytes) bytes")
