import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads
import Delivery

/// The collector publishing a steady stream of P1 readings to a real mosquitto that fails in the ways brokers do:
/// killed and restarted, refusing the login, presenting an expired certificate, stalled. Every reading arrives, first
/// arrivals in order; a reading arrives twice only when it was in flight at a broken connection (QoS 1).
@Suite("MQTT faults", .onOwnThread)
struct MQTTFaultTests {
    /// Messages the collector sends before it waits for acknowledgements (`SpooledPublisher.window`).
    static let window = 100

    static func config(_ pty: PtyPair, directory: TestFolder, port: Int, sinkKeys: String = "") -> String {
        (Ini.reader(0, "fluvius", ["port": pty.meter]) +
            Ini.sink(0, "mqttjson", ["host": "127.0.0.1", "port": port, "client_id": "collector-fault",
                                     "spool_dir": directory.file("spool")]) +
            "\(sinkKeys)\n" +
            Ini.logging("INFO"))
    }

    static func occurrences(_ text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    /// What is left in the sink's spool (after the collector stopped).
    static func spooledBytes(_ directory: TestFolder) throws -> Int {
        try DiskSpool(directory: URL(fileURLWithPath: directory.file("spool")), maximumBytes: 1 << 20).pendingBytes
    }

    /// Starts the collector and waits until it reads the pty (what the meter writes before is flushed at open).
    static func startCollector(_ configuration: String, directory: TestFolder) throws -> RunningProcess {
        let collector = try launchCollector(["-c", try directory.write("c.ini", configuration)])
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading fluvius on") }, "\(collector.stderr.contents)")
        return collector
    }

    /// A meter on a pty and a collector publishing its readings to `broker`, started and past `line` in its log.
    static func meterAndCollector(publishingTo broker: MosquittoBroker, in directory: TestFolder, sinkKeys: String = "",
                                  until line: String = "connected to mqtt://") throws -> (pty: PtyPair, collector: RunningProcess) {
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try startCollector(config(pty, directory: directory, port: broker.port, sinkKeys: sinkKeys),
                                           directory: directory)
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains(line) }, "\(collector.stderr.contents)")
        return (pty, collector)
    }

    /// Lets a new subscriber attach to a restarted broker before the collector can reconnect (else the readings it
    /// sends first would go to nobody): the collector is frozen for that moment; the meter keeps writing into the pty.
    static func restart(_ broker: MosquittoBroker, collector: RunningProcess, subscribe: () throws -> Void) throws {
        collector.signal(SIGSTOP)
        defer { collector.signal(SIGCONT) }
        try broker.start()
        try subscribe()
    }

    @Test("broker killed (SIGKILL) and restarted four times during a steady stream: every reading arrives, in order")
    func brokerKilledRepeatedly() throws {
        let directory = try TestFolder()
        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"])
        var subscribers = [try ReadingSubscriber(port: broker.port)]
        let (pty, collector) = try Self.meterAndCollector(publishingTo: broker, in: directory)

        let total = 400
        let meter = SteadyMeter(pty: pty, perSecond: 50, count: total)
        meter.start()
        var pauses: [(UInt32, UInt32)] = []
        var (random, seed) = SeededGenerator.forTiming()   // SMARTMETER_TEST_SEED=<seed> replays the pauses
        for _ in 0..<4 {
            let pause = (UInt32.random(in: 200_000...1_000_000, using: &random), UInt32.random(in: 300_000...1_500_000, using: &random))
            pauses.append(pause)
            usleep(pause.0)
            broker.kill()
            usleep(pause.1)   // the collector spools meanwhile
            try Self.restart(broker, collector: collector) { subscribers.append(try ReadingSubscriber(port: broker.port)) }
        }
        #expect(meter.waitUntilSent(timeout: 30))
        let arrivals = { subscribers.flatMap(\.indices) }
        #expect(eventually(timeout: 60) { Set(arrivals()).count >= total }, "pauses \(pauses), seed \(seed)")
        let check = DeliveryCheck(arrivals: arrivals(), count: total)
        #expect(check.isCompleteInOrder, "\(check); pauses \(pauses), seed \(seed)")
        #expect(check.duplicates <= 4 * Self.window, "\(check)")

        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        #expect(try Self.spooledBytes(directory) == 0, "the spool drained")
        #expect(collector.stderr.contents.contains("readings \(total),"), "\(collector.stderr.contents)")
    }

    @Test("login refused (wrong password), then the broker's password file fixed and reloaded: the spool is delivered, the refusal logged once")
    func refusedLoginThenFixed() throws {
        let directory = try TestFolder()
        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"],
                                         passwords: ["meter": "right", "reader": "reader-secret"])
        let subscriber = try ReadingSubscriber(port: broker.port, username: "reader", password: "reader-secret")
        let (pty, collector) = try Self.meterAndCollector(publishingTo: broker, in: directory,
                                                          sinkKeys: "username = meter\npassword = typo", until: "not authorised")

        let total = 60
        let meter = SteadyMeter(pty: pty, perSecond: 20, count: total)
        meter.start()
        #expect(meter.waitUntilSent(timeout: 20))
        usleep(500_000)
        #expect(subscriber.indices.isEmpty)
        // The administrator gives the collector's password to the broker.
        try broker.writePasswords(["meter": "typo", "reader": "reader-secret"])
        broker.reload()
        #expect(eventually(timeout: 45) { Set(subscriber.indices).count >= total }, "\(collector.stderr.contents)")
        let check = DeliveryCheck(arrivals: subscriber.indices, count: total)
        #expect(check.isCompleteInOrder, "\(check)")
        #expect(check.duplicates == 0, "nothing was in flight: \(check)")

        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        let log = collector.stderr.contents
        // Several attempts were refused; the refusal is logged once, with the broker's reason.
        #expect(Self.occurrences("refused the connection: Connection Refused: not authorised", in: log) == 1, "\(log)")
        #expect(Self.occurrences("WARNING sink:", in: log) == 1, "\(log)")
        #expect(Self.occurrences("connected to mqtt://", in: log) == 1, "\(log)")
        #expect(try Self.spooledBytes(directory) == 0)
    }

    @Test("the broker's certificate expired, then renewed: refused with the reason, logged once, the spool delivered")
    func expiredCertificateThenRenewed() throws {
        let directory = try TestFolder()
        let certificates = try TestCertificates.shared()
        let brokerCertificate = directory.file("broker.crt")
        try FileManager.default.copyItem(atPath: certificates.expiredServerCertificate, toPath: brokerCertificate)
        // TLS for the collector; a plain listener for the test's subscriber.
        let plainPort = FreePort.find()
        let broker = try MosquittoBroker(listenerOptions: certificates.brokerTLSOptions(certificate: brokerCertificate)
                                         + ["max_queued_messages 0", "listener \(plainPort) 127.0.0.1"])
        let pty = PtyPair(directory: directory)
        try pty.plug()
        var subscribers = [try ReadingSubscriber(port: plainPort)]
        let collector = try Self.startCollector(Self.config(
            pty, directory: directory, port: broker.port,
            sinkKeys: "tls = True\nca_file_path = \(certificates.caCertificate)"), directory: directory)
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("expired") }, "\(collector.stderr.contents)")

        let total = 60
        let meter = SteadyMeter(pty: pty, perSecond: 20, count: total)
        meter.start()
        #expect(meter.waitUntilSent(timeout: 20))
        #expect(subscribers[0].indices.isEmpty)
        // Renewed: the broker restarts with a valid certificate.
        broker.stop()
        try FileManager.default.removeItem(atPath: brokerCertificate)
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: brokerCertificate)
        try Self.restart(broker, collector: collector) { subscribers.append(try ReadingSubscriber(port: plainPort)) }
        let arrivals = { subscribers.flatMap(\.indices) }
        #expect(eventually(timeout: 45) { Set(arrivals()).count >= total }, "\(collector.stderr.contents)")
        let check = DeliveryCheck(arrivals: arrivals(), count: total)
        #expect(check.isCompleteInOrder, "\(check)")
        #expect(check.duplicates == 0, "\(check)")

        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        let log = collector.stderr.contents
        #expect(Self.occurrences("certificate has expired", in: log) == 1, "\(log)")
        #expect(try Self.spooledBytes(directory) == 0)
    }

    @Test("broker stalled (SIGSTOP) for 15 s, longer than the keepalive: the stream waits in the spool and arrives complete")
    func brokerStalled() throws {
        let directory = try TestFolder()
        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"])
        let subscriber = try ReadingSubscriber(port: broker.port)
        let (pty, collector) = try Self.meterAndCollector(publishingTo: broker, in: directory, sinkKeys: "keepalive = 5")

        let total = 400
        let meter = SteadyMeter(pty: pty, perSecond: 20, count: total)
        meter.start()
        #expect(meter.waitUntilSent(40, timeout: 10))
        broker.pause()
        let stalledAt = subscriber.indices.count
        usleep(15_000_000)
        let spoolDuringStall = (try? FileManager.default.attributesOfItem(atPath: directory.file("spool/spool.dat"))[.size] as? Int) ?? 0
        broker.resume()
        #expect(meter.waitUntilSent(timeout: 30))
        #expect(eventually(timeout: 60) { Set(subscriber.indices).count >= total }, "\(collector.stderr.contents)")
        let check = DeliveryCheck(arrivals: subscriber.indices, count: total)
        #expect(check.isCompleteInOrder, "\(check)")
        #expect(check.duplicates <= 2 * Self.window, "\(check)")
        #expect(stalledAt < 100, "the stall began early in the stream")
        #expect(spoolDuringStall > 100 * 1000, "readings of the stall waited in the spool: \(spoolDuringStall) bytes")

        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        #expect(try Self.spooledBytes(directory) == 0)
    }
}
