import Foundation

/// Monotonic seconds.
func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// utime + stime of a process in seconds, its resident set and the anonymous (private) part of it in kB.
func usage(of pid: pid_t) -> (cpu: Double, rssKB: Int, anonymousKB: Int) {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    let cpu = fields.count > 13 ? (Double(fields[11])! + Double(fields[12])!) / ticks : 0
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    func kilobytes(_ key: String) -> Int {
        status.split(separator: "\n").first { $0.hasPrefix(key) }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? 0
    }
    return (cpu, kilobytes("VmRSS:"), kilobytes("RssAnon:"))
}

/// Arrival times of the messages the subscriber received.
final class Arrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [Double] = []
    func add() { lock.withLock { times.append(now()) } }
    var count: Int { lock.withLock { times.count } }
    subscript(index: Int) -> Double { lock.withLock { times[index] } }
}

/// The distinct (topic, payload) pairs the subscriber received.
final class DistinctMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<[UInt8]> = []
    func add(_ topic: String, _ payload: [UInt8]) { lock.withLock { _ = seen.insert(Array(topic.utf8) + [0] + payload) } }
    var count: Int { lock.withLock { seen.count } }
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

/// The value below which `fraction` of the sorted `values` lie.
func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}
