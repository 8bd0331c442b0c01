import Foundation
import Protocols
import TestSupport

// The collector end to end, ours (release build) or the reference, on a pseudo-terminal playing an E450
// (testdata/hdlc/lge450-gbt-vse2026.hex). Prints a table and JSON (to standard output or --json FILE).
// Run from the package root after `swift build -c release --product smartmeter-datacollector`:
//
//   swift run -c release CollectorMQTTBenchmark [latency-samples] [flood-readings]
//       latency pty -> MQTT subscriber (QoS 1, mqttjson and mqtt layouts), sustained readings/s, CPU per reading
//       (ThroughputRun.swift)
//   ... --startup RUNS
//       exec to the first reading at the logger sink (StartUpRun.swift)
//   ... --rss SECONDS [--rate READINGS_PER_S] [--sample-every SECONDS] [--stream FILE] [--http yes]
//       RSS over time with an MQTT (TLS) and a CSV sink; --stream sends the readings of a StreamGenerator stream
//       (FILE and FILE.sizes) instead of the capture (MemoryRun.swift); --http yes adds the web face ([http]) with
//       one browser connected (BrowserClient.swift: event stream, status every 3 s)
//   ... --collector PATH --reference
//       measure the reference collector (smartmeter-datacollector 2.0.0's console script) instead: mqtt layout only
//       (its MQTT sink publishes with QoS 0), no CSV sink

var positional: [String] = []
var options: [String: String] = [:]
var isReference = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--reference" {
        isReference = true
    } else if argument.hasPrefix("--") {
        options[String(argument.dropFirst(2))] = arguments.popFirst() ?? ""
    } else {
        positional.append(argument)
    }
}

let packageRoot = FileManager.default.currentDirectoryPath
let collector = CollectorUnderTest(
    executable: options["collector"] ?? packageRoot + "/.build/release/smartmeter-datacollector", isReference: isReference)
guard FileManager.default.isExecutableFile(atPath: collector.executable) else {
    print("no collector at \(collector.executable): swift build -c release --product smartmeter-datacollector")
    exit(1)
}
let capture = try Hex.bytes(fromLenient: String(
    contentsOfFile: packageRoot + "/testdata/hdlc/lge450-gbt-vse2026.hex", encoding: .utf8))
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
progress("work directory \(directory.path), \(collector.name) collector \(collector.executable)")

@MainActor func emit(_ json: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    if let path = options["json"] {
        try data.write(to: URL(fileURLWithPath: path))
    } else {
        print(String(decoding: data, as: UTF8.self))
    }
}

if let runs = options["startup"].flatMap({ Int($0) }) {
    let times = try StartUpRun(collector: collector, reading: capture, directory: directory).measure(runs: runs)
    let sorted = times.sorted()
    print(String(format: "%@: start-up to the first reading, %d runs: median %.1f ms, min %.1f ms, max %.1f ms",
                 collector.name, runs, percentile(sorted, 0.5), sorted.first ?? 0, sorted.last ?? 0))
    try emit(["collector": collector.name, "startup_ms": times, "startup_median_ms": percentile(sorted, 0.5),
              "startup_min_ms": sorted.first ?? 0, "startup_max_ms": sorted.last ?? 0])
} else if let seconds = options["rss"].flatMap({ Double($0) }) {
    var readings = [capture]
    if let stream = options["stream"] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: stream)))
        let sizes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: stream + ".sizes")))
        var offset = 0
        readings = stride(from: 0, to: sizes.count, by: 2).map { index in
            let size = Int(sizes[index]) | Int(sizes[index + 1]) << 8
            defer { offset += size }
            return Array(bytes[offset..<offset + size])
        }
    }
    let rate = options["rate"].flatMap { Double($0) } ?? 1
    let sampleEvery = options["sample-every"].flatMap { Double($0) } ?? 60
    var run = MemoryRun(collector: collector, readings: readings, directory: directory)
    run.http = options["http"] != nil
    let result = try run.measure(seconds: seconds, rate: rate, sampleEvery: sampleEvery)
    print("\(collector.name): RSS with MQTT (TLS)\(isReference ? "" : " + CSV"), \(result.readingsSent) readings at \(rate)/s")
    print("     t (s)   readings   RSS (MB)   private (MB)")
    for sample in result.samples {
        print(String(format: "%10.0f %10d %10.1f %14.1f", sample.seconds, sample.readingsSent,
                     Double(sample.rssKB) / 1024, Double(sample.anonymousKB) / 1024))
    }
    print(String(format: "CPU %.2f s = %.0f us per reading; %d MQTT messages (%d distinct), %d CSV lines",
                 result.cpuSeconds, result.cpuSeconds / Double(max(result.readingsSent, 1)) * 1e6, result.mqttMessages,
                 result.distinctMQTTMessages, result.csvLines))
    try emit(result.json.merging(["collector": collector.name, "executable": collector.executable, "seconds": seconds,
                                  "rate": rate, "http": run.http]) { $1 })
} else {
    let latencySamples = positional.first.flatMap { Int($0) } ?? 300
    let floodReadings = positional.dropFirst().first.flatMap { Int($0) } ?? 20_000
    // Unlimited queue towards the subscriber: mosquitto's default (1000) drops QoS 1 messages for a slow subscriber.
    let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"])
    let run = ThroughputRun(collector: collector, reading: capture, directory: directory, broker: broker)
    var phases: [ThroughputRun.Phase] = []
    // The mqtt layout publishes one message per value: ours floods it with a quarter of the readings.
    for format in isReference ? ["mqtt"] : ["mqttjson", "mqtt"] {
        phases.append(try run.phase(format: format, latencySamples: latencySamples,
                                    floodReadings: format == "mqtt" && !isReference ? floodReadings / 4 : floodReadings))
    }
    print("\(collector.name.padding(toLength: 10, withPad: " ", startingAt: 0)) msgs/reading  latency p50  latency p99  readings/s  messages/s  CPU/reading    RSS")
    for phase in phases {
        print(String(format: "%@ %8d %10.2f ms %10.2f ms %11.0f %11.0f %9.1f us %5.1f MB",
                     phase.format.padding(toLength: 10, withPad: " ", startingAt: 0),
                     phase.messagesPerReading, percentile(phase.latenciesMS, 0.5), percentile(phase.latenciesMS, 0.99),
                     phase.readingsPerSecond, phase.readingsPerSecond * Double(phase.messagesPerReading),
                     phase.cpuMicrosecondsPerReading, Double(phase.rssKB) / 1024))
    }
    try emit(["collector": collector.name, "phases": phases.map(\.json)])
}

// The work directory (configurations, logs, spools, CSV files) is kept only when a run failed.
try? FileManager.default.removeItem(at: directory)
