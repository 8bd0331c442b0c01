import Foundation
import MeterDecoding

// Decode throughput of the DLMS pipeline (bytes -> frames -> APDUs -> readings) on real captures, repeated.
// Run a release build from the package root:
//     swift run -c release DecodeBenchmark [messages-per-case] [path-to-testdata] [case-name-filter]
// The filter (a substring of the case name) runs only matching cases, e.g. under valgrind --tool=callgrind.
// On the large streams StreamGenerator writes (see StreamBenchmark.swift; bench/compare.sh runs it):
//     swift run -c release DecodeBenchmark --streams DIR [--only NAME] [--json FILE]

let arguments = CommandLine.arguments
if let index = arguments.firstIndex(of: "--streams"), index + 1 < arguments.count {
    func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
    try StreamBenchmark.report(try StreamBenchmark.run(directory: arguments[index + 1], only: option("--only")),
                               jsonPath: option("--json"))
    exit(0)
}
let repetitions = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let testdata = arguments.count > 2 ? arguments[2] : "testdata"
let filter = arguments.count > 3 ? arguments[3] : ""

struct BenchCase {
    let name: String
    let file: String
    let meter: MeterType
    let key: String?
    /// Text captures (P1) are read as they are; the others are hex.
    var isText = false
}

let cases = [
    BenchCase(name: "E450 GBT (4 frames)", file: "hdlc/lge450-gbt-vse2026.hex", meter: .lge450, key: nil),
    BenchCase(name: "E450 GBT + AES-GCM", file: "hdlc/lge450-encrypted-gbt.hex", meter: .lge450,
              key: "F08660A6C19D2048556BF623AB0257E6"),
    BenchCase(name: "E570 GBT + AES-GCM", file: "hdlc/lge570-encrypted-gbt.hex", meter: .lge570,
              key: "101112131415161718191A1B1C1D1E1F"),
    BenchCase(name: "AM550 HDLC segments", file: "hdlc/iskraam550-segmented.hex", meter: .iskraam550, key: nil),
    BenchCase(name: "Netz NOe M-Bus + AES", file: "mbus/netznoe-kaifa-encrypted.hex", meter: .netznoe,
              key: "36C66639E48A8CA4D6BC8B282A793BBB"),
    BenchCase(name: "Fluvius P1 telegram", file: "dsmr/fluvius-v171.txt", meter: .fluvius, key: nil, isText: true),
]

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

print("case                      messages   MB/s    messages/s   us/message")
var json: [String] = []
for benchCase in cases where filter.isEmpty || benchCase.name.contains(filter) {
    let text = try String(contentsOfFile: "\(testdata)/\(benchCase.file)", encoding: .utf8)
    let capture = benchCase.isText ? Array(text.utf8) : try Hex.bytes(fromLenient: text)
    let stream = [[UInt8]](repeating: capture, count: repetitions).flatMap { $0 }
    var decoder = try ReadingDecoderFactory.make(DecoderConfiguration(
        meter: benchCase.meter, key: benchCase.key.flatMap { Hex.key($0) },
        zone: ZoneOffsetResolver(identifier: "Europe/Zurich")!, fallbackSource: "bench"))
    var readings = 0
    var values = 0
    let start = cpuSeconds()
    // Feed in serial-port sized chunks of 256 bytes.
    stream.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let end = min(offset + 256, raw.count)
            decoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) { event in
                if case .reading(let reading) = event {
                    readings += 1
                    values += reading.values.count
                }
            }
            offset = end
        }
    }
    let elapsed = cpuSeconds() - start
    precondition(readings == repetitions, "\(benchCase.name): \(readings) readings, \(decoder.statistics.summary)")
    let rate = Double(readings) / elapsed
    let megabytes = Double(stream.count) / elapsed / 1e6
    print(String(format: "%@ %9d %7.1f %12.0f %12.2f", benchCase.name.padding(toLength: 24, withPad: " ", startingAt: 0) as NSString, readings, megabytes, rate,
                 1e6 / rate))
    json.append(String(format: "{\"case\":\"%@\",\"messages\":%d,\"messages_per_s\":%.0f,\"mb_per_s\":%.1f}",
                       benchCase.name, readings, rate, megabytes))
}
print("[" + json.joined(separator: ",") + "]")
