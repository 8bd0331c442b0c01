import Foundation
import Protocols
import TestSupport
import Testing

/// A Fluvius P1 meter sending numbered telegrams (`FluviusTelegrams.telegram(n)`: clock 14:MM:SS local, so the
/// reading's UTC time is 12:MM:SS and n = MM * 60 + SS) into the feed end of a pty pair, at a steady rate, on a
/// thread of its own, so that a test can break things while the stream goes on.
final class SteadyMeter: @unchecked Sendable {
    private let feed: String
    private let interval: Double
    private let condition = NSCondition()
    private var next: Int
    private var end: Int
    private var stopped = false
    private var finished = false

    /// Telegrams `first..<first + count`, `perSecond` of them a second.
    init(pty: PtyPair, perSecond: Double, first: Int = 0, count: Int) {
        precondition(first + count <= 3600, "the telegram clock covers one hour")
        feed = pty.feed
        interval = 1 / perSecond
        next = first
        end = first + count
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "steady-meter"
        thread.start()
    }

    /// Telegrams written so far, including `first`.
    var sent: Int { condition.withLock { next } }

    /// Waits until every telegram was written; false after `timeout` seconds.
    func waitUntilSent(timeout: Double) -> Bool {
        condition.withLock {
            let deadline = Date().addingTimeInterval(timeout)
            while !finished, Date() < deadline { _ = condition.wait(until: deadline) }
            return finished
        }
    }

    /// Waits until `count` telegrams (counted from 0) were written.
    func waitUntilSent(_ count: Int, timeout: Double) -> Bool {
        eventually(timeout: timeout) { self.sent >= count }
    }

    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
        _ = waitUntilSent(timeout: 5)
    }

    deinit { stop() }

    private func run() {
        let descriptor = open(feed, O_WRONLY | O_NOCTTY)
        if descriptor < 0 { Issue.record("cannot open \(feed): errno \(errno)") }
        defer {
            close(descriptor)
            condition.withLock {
                finished = true
                condition.broadcast()
            }
        }
        var due = monotonicNow()
        while true {
            let index: Int? = condition.withLock { stopped || next >= end ? nil : next }
            guard let index else { return }
            guard let telegram = try? FluviusTelegrams.telegram(index) else { return }
            var offset = 0
            while offset < telegram.count {
                let written = telegram[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written > 0 { offset += written } else if errno != EINTR && errno != EAGAIN { return }
            }
            condition.withLock { next = index + 1 }
            due += interval
            let wait = due - monotonicNow()
            if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
        }
    }

    private func monotonicNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The telegram number of a reading's UTC timestamp `2020-05-12T12:MM:SSZ`, from JSON text.
    static func index(inJSON text: String) -> Int? {
        guard let range = text.range(of: #""timestamp":"2020-05-12T12:"#) else { return nil }
        let digits = text[range.upperBound...].prefix(5)   // MM:SS
        let parts = digits.split(separator: ":")
        guard parts.count == 2, let minute = Int(parts[0]), let second = Int(parts[1]) else { return nil }
        return minute * 60 + second
    }
}

/// A subscriber to the readings an `mqttjson` sink publishes (`smartmeter/<source>`), recording the telegram
/// number of each arrival. QoS 0: a subscriber that acknowledges nothing cannot lose data to a reset when the
/// broker is killed with acknowledgements unread.
final class ReadingSubscriber {
    let log = EventLog()
    private let client: MQTTClient

    init(port: Int, username: String? = nil, password: String? = nil,
         name: String = "reading-subscriber-\(UUID().uuidString.prefix(6))") throws {
        let log = self.log
        let settings = MQTTSettings(port: port, username: username, password: password, clientID: name)
        client = try MQTTClient(settings: settings) { log.append($0) }
        try client.start()
        guard log.wait(for: EventLog.isConnected) != nil else { throw Shell.Failure(description: "\(name) did not connect") }
        guard try log.subscribe(client, to: "smartmeter/+", qos: 0) else {
            throw Shell.Failure(description: "\(name) did not subscribe")
        }
    }

    /// Telegram numbers in arrival order.
    var indices: [Int] {
        log.messages.compactMap { SteadyMeter.index(inJSON: String(decoding: $0.payload, as: UTF8.self)) }
    }

    func close() { client.close() }

    deinit { client.close() }
}
