import Foundation
import Protocols
import TestSupport

// End to end through the real collector: a pseudo-terminal plays an E450, the collector (a release build) decodes
// and publishes with QoS 1 to a local mosquitto, a subscriber receives. Prints, as a table and as JSON:
// - latency from the last byte written on the pty to the message at the subscriber (median, p99), one message at a time;
// - sustained readings/s and MQTT messages/s through QoS 1 when the meter side floods;
// - the collector's CPU time per reading and its RSS.
// Run from the package root after `swift build -c release`:
//     swift run -c release CollectorMQTTBenchmark [latency-samples] [flood-readings]

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// utime + stime of a process in seconds, and its resident set in kB.
func usage(of pid: pid_t) -> (cpu: Double, rssKB: Int) {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    let cpu = fields.count > 13 ? (Double(fields[11])! + Double(fields[12])!) / ticks : 0
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        .flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    return (cpu, rss)
}

final class Arrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [Double] = []
    func add() { lock.withLock { times.append(now()) } }
    var count: Int { lock.withLock { times.count } }
    subscript(index: Int) -> Double { lock.withLock { times[index] } }
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data("bench: \(text)\n".utf8))
}

func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = now() + seconds
    while now() < deadline {
        if condition() { return true }
        usleep(200)
    }
    return condition()
}

@MainActor
func benchmark() throws {
    let arguments = CommandLine.arguments
    let latencySamples = arguments.count > 1 ? Int(arguments[1]) ?? 300 : 300
    let floodReadings = arguments.count > 2 ? Int(arguments[2]) ?? 20_000 : 20_000
    let packageRoot = FileManager.default.currentDirectoryPath
    let collector = packageRoot + "/.build/release/smartmeter-datacollector"
    let capturePath = packageRoot + "/../shared/testdata/hdlc/lge450-gbt-vse2026.hex"

    guard FileManager.default.isExecutableFile(atPath: collector) else {
        print("build the collector first: swift build -c release --product smartmeter-datacollector")
        exit(1)
    }
    let frames = try Hex.bytes(fromLenient: String(contentsOfFile: capturePath, encoding: .utf8))

    var master: Int32 = 0
    // Unlimited queue towards the subscriber: mosquitto's default (1000) drops QoS 1 messages for a slow subscriber.
    let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"])
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    progress("work directory \(directory.path)")

    func run(format: String, body: (Arrivals, pid_t) throws -> Void) throws {
        // A new pseudo-terminal per run stands in for the meter's serial port.
        var slave: Int32 = 0
        var name = [CChar](repeating: 0, count: 256)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else { fatalError("openpty failed") }
        var raw = termios()
        tcgetattr(master, &raw)
        cfmakeraw(&raw)
        tcsetattr(master, TCSANOW, &raw)
        let ptyPath = String(cString: name)
        defer { close(master); close(slave) }
        let config = directory.appendingPathComponent("\(format).ini")
        try """
            [reader0]
            type = lge450
            port = \(ptyPath)
            timezone = Europe/Zurich
            [sink0]
            type = \(format)
            host = 127.0.0.1
            port = \(broker.port)
            qos = 1
            client_id = bench-\(format)
            spool_dir = \(directory.path)/spool-\(format)
            queue_size = 1000000
            [logging]
            default = WARNING
            """.write(to: config, atomically: true, encoding: .utf8)
        let arrivals = Arrivals()
        let subscriber = try MQTTClient(settings: MQTTSettings(port: broker.port, clientID: "bench-subscriber-\(format)")) { event in
            if case .message(let topic, _) = event, !topic.hasSuffix("/status") { arrivals.add() }
        }
        try subscriber.start()
        usleep(300_000)
        try subscriber.subscribe("smartmeter/#", qos: 1)
        try subscriber.subscribe("dt/#", qos: 1)
        usleep(300_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: collector)
        process.arguments = ["-c", config.path]
        FileManager.default.createFile(atPath: directory.path + "/\(format).log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: directory.path + "/\(format).log")
        try process.run()
        usleep(1_500_000)   // opened the port, connected to the broker
        progress("[\(format)] collector running, pid \(process.processIdentifier)")
        try body(arrivals, process.processIdentifier)
        progress("[\(format)] done, \(arrivals.count) messages")
        process.terminate()
        process.waitUntilExit()
        print("[\(format)] collector exited with \(process.terminationStatus)")
        subscriber.close()
    }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress! + offset, bytes.count - offset) }
            if n > 0 { offset += n } else { usleep(100) }
        }
    }

    var latencies: [Double] = []
    var results: [String: Double] = [:]
    try run(format: "mqttjson") { arrivals, pid in
        for sample in 0..<latencySamples {
            write(frames)
            let written = now()
            guard waitUntil(5, { arrivals.count > sample }) else { print("message \(sample) did not arrive"); break }
            latencies.append(arrivals[sample] - written)
            usleep(2_000)
        }
        // Flood: readings as fast as the pty takes them.
        let before = usage(of: pid)
        let start = now(), base = arrivals.count
        let burst = [UInt8]([[UInt8]](repeating: frames, count: 100).joined())
        for _ in 0..<(floodReadings / 100) { write(burst) }
        if !waitUntil(120, { arrivals.count - base >= floodReadings }) {
            print("mqttjson flood: only \(arrivals.count - base) of \(floodReadings) readings arrived")
        }
        let elapsed = arrivals[arrivals.count - 1] - start
        let after = usage(of: pid)
        results["readings_per_s_mqttjson"] = Double(arrivals.count - base) / elapsed
        results["cpu_us_per_reading"] = (after.cpu - before.cpu) / Double(floodReadings) * 1e6
        results["rss_kb_after_flood"] = Double(after.rssKB)
    }
    try run(format: "mqtt") { arrivals, _ in
        // The reference layout: one message per numeric value.
        let start = now()
        let readings = floodReadings / 4
        let perReading = 12   // numeric values of this E450 list; the serial number (text) is not published by `mqtt`
        let burst = [UInt8]([[UInt8]](repeating: frames, count: 100).joined())
        for _ in 0..<(readings / 100) { write(burst) }
        if !waitUntil(120, { arrivals.count >= readings * perReading }) {
            print("mqtt flood: only \(arrivals.count) of \(readings * perReading) messages arrived")
        }
        let elapsed = arrivals[arrivals.count - 1] - start
        results["messages_per_s_mqtt"] = Double(arrivals.count) / elapsed
        results["readings_per_s_mqtt"] = Double(arrivals.count) / Double(perReading) / elapsed
    }

    latencies.sort()
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
    print("figure                                   value")
    print(String(format: "latency pty -> subscriber, median      %.2f ms", percentile(0.5)))
    print(String(format: "latency pty -> subscriber, p99         %.2f ms", percentile(0.99)))
    print(String(format: "readings/s, mqttjson, QoS 1            %.0f", results["readings_per_s_mqttjson"] ?? 0))
    print(String(format: "messages/s, mqtt (12 per reading)      %.0f", results["messages_per_s_mqtt"] ?? 0))
    print(String(format: "readings/s, mqtt                       %.0f", results["readings_per_s_mqtt"] ?? 0))
    print(String(format: "collector CPU per reading (flood)      %.1f us", results["cpu_us_per_reading"] ?? 0))
    print(String(format: "collector RSS after the flood          %.1f MB", (results["rss_kb_after_flood"] ?? 0) / 1024))
    let json = results.merging(["latency_median_ms": percentile(0.5), "latency_p99_ms": percentile(0.99)]) { $1 }
    print(String(data: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), encoding: .utf8)!)

}


try benchmark()
