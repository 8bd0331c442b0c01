import Delivery
import Foundation
import Protocols
import Synchronization
import SystemSupport
import Testing
import TestSupport
import TestThreads

/// No reading lost while the broker is away: spool, resend in order, resume after a restart. Real mosquitto.
@Suite("Spooled MQTT publishing", .onOwnThread, .serialized)
struct SpooledPublisherTests {
    /// A subscriber that records the sequence numbers it receives on `test/#`.
    final class Subscriber: @unchecked Sendable {
        let log = EventLog()
        let client: MQTTClient

        init(port: Int, name: String) throws {
            let log = self.log
            client = try MQTTClient(settings: MQTTSettings(port: port, clientID: name)) { log.append($0) }
            try client.start()
            guard log.wait(for: EventLog.isConnected) != nil else { throw Shell.Failure(description: "\(name) did not connect") }
            guard try log.subscribe(client, to: "test/#") else { throw Shell.Failure(description: "\(name) did not subscribe") }
        }

        var numbers: [Int] { log.messages.compactMap { Int(String(decoding: $0.payload, as: UTF8.self)) } }
    }

    /// `retry`: the client's back-off (the default one unless a test wants it short); `report`: the publisher's events.
    static func publisher(port: Int, spool directory: URL, retry: Backoff.Policy = MQTTSettings.defaultRetry,
                          report: @escaping @Sendable (DeliveryEvent) -> Void = { _ in }) throws -> SpooledPublisher {
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
        let publisher = try SpooledPublisher(settings: MQTTSettings(port: port, clientID: "spooled", retry: retry),
                                             spool: spool, qos: 1, retain: false, report: report)
        try publisher.start()
        return publisher
    }

    static func message(_ number: Int) -> MQTTMessage {
        MQTTMessage(topic: "test/meter", payload: String(number))
    }

    /// Every number of 0..<count arrived at least once, and first arrivals are in order.
    static func checkComplete(_ received: [Int], count: Int) {
        let check = DeliveryCheck(arrivals: received, count: count)
        #expect(check.isCompleteInOrder, "\(check)")
    }

    @Test("broker stopped for 20 s during a steady stream: every message arrives, in order, the spool drains")
    func outage() throws {
        // No limit on what the broker queues for a subscriber: the spool's backlog arrives faster than a busy test
        // process reads it, and mosquitto's default (1000) would drop QoS 1 messages the publisher saw acknowledged.
        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"])
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: spool) }
        let before = try Subscriber(port: broker.port, name: "before")
        let publisher = try Self.publisher(port: broker.port, spool: spool)
        defer { publisher.close() }
        #expect(eventually(timeout: 10) { publisher.statistics.connected })

        let total = 1_500
        var next = 0
        func publish(for seconds: Double) throws {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end && next < total {
                try publisher.submit([Self.message(next)])
                next += 1
                usleep(20_000)   // 50 readings/s
            }
        }
        try publish(for: 1.5)
        broker.stop()
        try publish(for: 20)
        #expect(publisher.statistics.pendingBytes > 0, "readings wait in the spool while the broker is away")
        try broker.start()
        let after = try Subscriber(port: broker.port, name: "after")
        try publish(for: 60)
        #expect(next == total)
        #expect(eventually(timeout: 60) { publisher.statistics.pendingBytes == 0 }, "the spool drains")
        #expect(eventually(timeout: 10) { Set(before.numbers + after.numbers).count == total })
        Self.checkComplete(before.numbers + after.numbers, count: total)
        before.client.close()
        after.client.close()
    }

    @Test("collector restarted while the broker is down: the spool is resumed and delivered in order")
    func restart() throws {
        let port = FreePort.find()
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: spool) }
        do {
            let first = try Self.publisher(port: port, spool: spool)
            try first.submit((0..<120).map(Self.message))
            #expect(first.statistics.pendingBytes > 0)
            first.close()
        }
        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"], port: port)
        let subscriber = try Subscriber(port: broker.port, name: "restart-subscriber")
        let second = try Self.publisher(port: port, spool: spool)
        defer { second.close() }
        try second.submit((120..<150).map(Self.message))
        #expect(eventually(timeout: 20) { second.statistics.pendingBytes == 0 })
        #expect(eventually(timeout: 10) { Set(subscriber.numbers).count == 150 })
        Self.checkComplete(subscriber.numbers, count: 150)
        subscriber.client.close()
    }

    @Test("broker down at start: reported as .unreachable with the address once, then .connected when it is up (short back-off)")
    func typedEvents() throws {
        let events = Mutex<[DeliveryEvent]>([])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = FreePort.find()
        let publisher = try Self.publisher(port: port, spool: directory,
                                           retry: Backoff.Policy(initial: .milliseconds(100), maximum: .milliseconds(200))) { event in
            events.withLock { $0.append(event) }
        }
        defer { publisher.close() }
        let address = MQTTSettings(port: port, clientID: "spooled").address
        #expect(eventually(timeout: 10) { !events.withLock { $0 }.isEmpty })
        // Several refused attempts (every 100-200 ms) while nothing listens: the same failure is reported once.
        #expect(!eventually(timeout: 1) { events.withLock { $0 }.count > 1 }, "\(events.withLock { $0 })")
        guard case .unreachable(let reason)? = events.withLock({ $0.first }) else {
            Issue.record("first event: \(events.withLock { $0 })")
            return
        }
        #expect(reason.hasPrefix(address), "\(reason)")
        let broker = try MosquittoBroker(port: port)
        #expect(eventually(timeout: 10) { events.withLock { $0.last } == .connected("connected to \(address)") },
                "\(events.withLock { $0 })")
        #expect(events.withLock { $0.filter(\.isFailure).count } == 1)
        _ = broker
    }
}
