import Foundation
import MeterDecoding

/// Decodes the generated streams of `StreamGenerator` (see its `streams.json`) in the read sizes recorded next to
/// each stream, the same bytes and reads `bench/compare.sh` gives the reference implementations. The first
/// `warmup` readings are decoded but not measured; the rest is the steady state: CPU time (one thread), readings/s,
/// MB/s, and heap allocations per reading when `bench/malloc-count.so` is preloaded.
enum StreamBenchmark {
    struct Result {
        let name: String
        let readings: Int
        let bytes: Int
        let cpuSeconds: Double
        let valuesPerReading: Double
        let mallocsPerReading: Double?

        var json: [String: Any] {
            var object: [String: Any] = [
                "case": name, "messages": readings, "bytes": bytes, "cpu_s": cpuSeconds,
                "messages_per_s": Double(readings) / cpuSeconds, "mb_per_s": Double(bytes) / cpuSeconds / 1e6,
                "us_per_message": cpuSeconds / Double(readings) * 1e6, "values_per_message": valuesPerReading,
            ]
            if let mallocsPerReading { object["mallocs_per_message"] = mallocsPerReading }
            return object
        }
    }

    static func run(directory: String, warmup: Int = 1000, only: String?) throws -> [Result] {
        let description = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: directory + "/streams.json"))) as! [String: Any]
        var results: [Result] = []
        for stream in description["streams"] as! [[String: Any]] {
            let file = stream["file"] as! String
            if let only, !file.contains(only) { continue }
            let meter = MeterType(rawValue: stream["meter"] as! String)!
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            let sizeBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + file + ".chunks")))
            let sizes = stride(from: 0, to: sizeBytes.count, by: 2).map { Int(sizeBytes[$0]) | Int(sizeBytes[$0 + 1]) << 8 }
            precondition(sizes.reduce(0, +) == bytes.count, "\(file): the reads do not cover the stream")
            var decoder = try ReadingDecoderFactory.make(DecoderConfiguration(
                meter: meter, key: (stream["key"] as? String).flatMap { Hex.key($0) },
                authenticationKey: (stream["authentication_key"] as? String).flatMap { Hex.key($0) },
                zone: ZoneOffsetResolver(identifier: meter.linkLayer == .p1 ? "Europe/Brussels" : "Europe/Zurich")!,
                fallbackSource: "bench"))
            var readings = 0
            var values = 0
            var start: (cpu: Double, offset: Int, values: Int, mallocs: UInt64?)?
            var offset = 0
            bytes.withUnsafeBytes { raw in
                for size in sizes {
                    decoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + size])) { event in
                        if case .reading(let reading) = event {
                            readings += 1
                            values += reading.values.count
                        }
                    }
                    offset += size
                    if start == nil, readings >= warmup {
                        start = (cpuSeconds(), offset, values, MallocCounter.calls())
                        readings = 0
                    }
                }
            }
            let end = cpuSeconds()
            let mallocs = MallocCounter.calls()
            let expected = stream["messages"] as! Int
            guard let start, readings + warmup == expected else {
                print("\(file): \(readings + warmup) readings of \(expected); \(decoder.statistics.summary)")
                exit(1)
            }
            results.append(Result(
                name: file, readings: readings, bytes: bytes.count - start.offset, cpuSeconds: end - start.cpu,
                valuesPerReading: Double(values - start.values) / Double(readings),
                mallocsPerReading: mallocs.flatMap { now in start.mallocs.map { Double(now - $0) / Double(readings) } }))
        }
        return results
    }

    static func report(_ results: [Result], jsonPath: String?) throws {
        print("stream                 messages     MB/s   messages/s  us/message  values  mallocs/message")
        for result in results {
            let mallocs = result.mallocsPerReading.map { String(format: "%.2f", $0) } ?? "-"
            print(String(format: "%@ %9d %8.1f %12.0f %11.2f %7.1f  %@",
                         result.name.padding(toLength: 20, withPad: " ", startingAt: 0), result.readings,
                         Double(result.bytes) / result.cpuSeconds / 1e6, Double(result.readings) / result.cpuSeconds,
                         result.cpuSeconds / Double(result.readings) * 1e6, result.valuesPerReading, mallocs))
        }
        let json = try JSONSerialization.data(withJSONObject: results.map(\.json), options: [.sortedKeys])
        if let jsonPath {
            try json.write(to: URL(fileURLWithPath: jsonPath))
        } else {
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
