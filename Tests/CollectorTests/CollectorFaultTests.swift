import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads
import Delivery

/// The collector itself in trouble while its spools hold readings: killed (SIGKILL) at random moments and restarted,
/// its spool's disk full, stopped (SIGTERM) in the middle of a flood. Real mosquitto, real PostgreSQL, a P1 meter
/// on a pty sending numbered telegrams (`SteadyMeter`).
@Suite("Collector faults", .onOwnThread, .serialized)
struct CollectorFaultTests {
    /// 2020-05-12T12:00:00Z: telegram n is stamped this plus n seconds.
    static let firstTelegramTime: Int64 = 1_589_284_800

    static func configuration(_ pty: PtyPair, mqttPort: Int, mqttSpool: String, postgres: PostgresServer? = nil,
                              postgresSpool: String = "", postgresKeys: String = "", files: TestFolder? = nil) -> String {
        var text = Ini.reader(0, "fluvius", ["port": pty.meter]) +
            Ini.sink(0, "mqttjson", ["host": "127.0.0.1", "port": mqttPort, "client_id": "collector-fault",
                                     "spool_dir": mqttSpool])
        if let postgres {
            text += postgres.sinkSection(1, spool: postgresSpool) + "\(postgresKeys)\n"
        }
        if let files {
            text += Ini.sink(2, "jsonl", ["file": files.file("readings.jsonl")]) +
                Ini.sink(3, "csv", ["directory": files.file("csv")])
        }
        return text + "[logging]\ndefault = INFO\n"
    }

    static func startCollector(_ ini: String) throws -> RunningProcess {
        let collector = try launchCollector(["-c", ini])
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading fluvius on") }, "\(collector.stderr.contents)")
        return collector
    }

    /// Telegram numbers of the records waiting in a spool, opened as the collector opens it, each record decoded
    /// by `decode` (nil: not an intact record). Only while no collector runs: opening cuts what looks like a torn tail,
    /// which a live writer may be writing.
    static func spooled<Record>(_ path: String, _ decode: ([UInt8]) -> Record?,
                                index: (Record) -> Int?) throws -> (indices: [Int], spool: DiskSpool) {
        let spool = try DiskSpool(directory: URL(fileURLWithPath: path), maximumBytes: 100 << 20)
        var indices: [Int] = []
        var cursor = spool.head
        while let (bytes, next) = spool.record(at: cursor) {
            let record = decode(bytes)
            #expect(record != nil, "an intact record")
            if let record, let number = index(record) { indices.append(number) }
            cursor = next
        }
        return (indices, spool)
    }

    /// Telegram numbers of the messages waiting in an MQTT (`mqttjson`) spool.
    static func mqttSpool(_ path: String) throws -> (indices: [Int], spool: DiskSpool) {
        try spooled(path, MQTTMessage.init(spoolRecord:)) { SteadyMeter.index(inJSON: String(decoding: $0.payload, as: UTF8.self)) }
    }

    /// Telegram numbers of the readings waiting in a PostgreSQL spool.
    static func postgresSpool(_ path: String) throws -> (indices: [Int], spool: DiskSpool) {
        try spooled(path, PremisesRows.init(spoolRecord:)) { rows in rows.electricity.first.map { Int($0.time - firstTelegramTime) } }
    }

    /// Telegram numbers stored in elec_measurement, and the row count.
    static func storedIndices(_ server: PostgresServer) throws -> (indices: Set<Int>, rows: Int) {
        let times = try server.query("SELECT DISTINCT extract(epoch FROM time)::bigint FROM elec_measurement")
        let rows = try server.query("SELECT count(*) FROM elec_measurement").first?[0].flatMap { $0 }.flatMap { Int($0) } ?? -1
        return (Set(times.compactMap { $0[0].flatMap { Int64($0) }.map { Int($0 - firstTelegramTime) } }), rows)
    }

    /// Rows of `elec_measurement` one Fluvius reading gives.
    static let rowsPerReading = 18

    @Test("SIGKILL at random moments while the MQTT and PostgreSQL spools fill and while they drain: each opens intact, nothing is lost, PostgreSQL stores every reading once")
    func killedWhileSpooling() throws {
        let directory = try TestFolder()
        let server = try PostgresServer()
        server.stop()
        let mqttPort = FreePort.find()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let mqttSpool = directory.file("spool-mqtt"), postgresSpool = directory.file("spool-postgres")
        let ini = try directory.write("c.ini", Self.configuration(pty, mqttPort: mqttPort, mqttSpool: mqttSpool,
                                                                  postgres: server, postgresSpool: postgresSpool))
        var next = 0
        var spooled: (mqtt: [Int], postgres: [Int]) = ([], [])
        var moments: [UInt32] = []
        var (random, seed) = SeededGenerator.forTiming()   // SMARTMETER_TEST_SEED=<seed> replays the kill moments
        // The servers are down: readings only accumulate. Killed four times while the meter sends.
        for round in 0..<4 {
            let collector = try Self.startCollector(ini)
            let meter = SteadyMeter(pty: pty, perSecond: 50, first: next, count: 200)
            meter.start()
            let moment = UInt32.random(in: 200_000...900_000, using: &random)
            moments.append(moment)
            usleep(moment)
            collector.signal(SIGKILL)
            _ = collector.waitForExit(timeout: 5)
            meter.stop()
            let first = next
            next = meter.sent
            pty.discardPending()   // sent while no collector listened: lost, as on a real port
            let mqtt = try Self.mqttSpool(mqttSpool), postgres = try Self.postgresSpool(postgresSpool)
            let checks: [(String, [Int], DiskSpool, [Int])] = [("mqtt", mqtt.indices, mqtt.spool, spooled.mqtt),
                                                               ("postgresql", postgres.indices, postgres.spool, spooled.postgres)]
            for (name, indices, spool, before) in checks {
                // What was spooled before is still there, in order, and this round added a gapless run of its own
                // telegrams (those still in memory at the kill are gone: only the spool is durable).
                #expect(Array(indices.prefix(before.count)) == before, "\(name) round \(round), moments \(moments), seed \(seed)")
                let added = Array(indices.dropFirst(before.count))
                #expect(added == Array(first..<(first + added.count)), "\(name) round \(round): \(added), seed \(seed)")
                #expect(spool.discardedTailBytes < 64 << 10, "at most a record torn by the kill")
            }
            spooled = (try Self.mqttSpool(mqttSpool).indices, try Self.postgresSpool(postgresSpool).indices)
        }
        #expect(spooled.mqtt.count > 20 && spooled.postgres.count > 20, "the spools held readings: \(spooled)")

        // The servers are back; the collector is killed twice more while it delivers, then left to finish.
        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"], port: mqttPort)
        let subscriber = try ReadingSubscriber(port: broker.port)
        try server.start()
        for _ in 0..<2 {
            let collector = try Self.startCollector(ini)
            usleep(UInt32.random(in: 50_000...400_000, using: &random))
            collector.signal(SIGKILL)
            _ = collector.waitForExit(timeout: 5)
        }
        let collector = try Self.startCollector(ini)
        let expected = Set(spooled.mqtt)
        #expect(eventually(timeout: 30) { Set(subscriber.indices).isSuperset(of: expected) },
                "seed \(seed): \(collector.stderr.contents)")
        #expect(eventually(timeout: 30) { (try? Self.storedIndices(server).indices) == Set(spooled.postgres) },
                "\(collector.stderr.contents)")
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        #expect(Set(subscriber.indices) == expected)
        let check = DeliveryCheck(arrivals: subscriber.indices.filter(expected.contains), count: next)
        #expect(check.outOfOrder.isEmpty, "\(check)")
        #expect(try Self.storedIndices(server).rows == Self.rowsPerReading * spooled.postgres.count, "each reading once")
        #expect(try Self.mqttSpool(mqttSpool).indices.isEmpty)
        #expect(try Self.postgresSpool(postgresSpool).indices.isEmpty)
    }

    /// Root, and allowed to mount (a container without CAP_SYS_ADMIN is not): a small tmpfs mounts and unmounts.
    static let canMountTmpfs: Bool = {
        guard getuid() == 0, let directory = try? TestFolder() else { return false }
        guard (try? Shell.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", directory.path])) != nil else { return false }
        _ = try? Shell.run("/bin/umount", [directory.path])
        return true
    }()

    @Test("the spool's disk fills up (256 kB left on a tmpfs): logged once, the oldest dropped and counted, the newest all delivered; normal again when space returns",
          .enabled(if: canMountTmpfs, "needs root allowed to mount a tmpfs (mount -t tmpfs)"))
    func diskFull() throws {
        let directory = try TestFolder()
        let disk = directory.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try Shell.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk])
        defer { _ = try? Shell.run("/bin/umount", ["-l", disk]) }
        // Someone else's file takes three quarters of the disk.
        let ballast = disk + "/ballast"
        try Data(count: 768 << 10).write(to: URL(fileURLWithPath: ballast))
        let mqttPort = FreePort.find()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let spool = disk + "/spool"
        let collector = try Self.startCollector(try directory.write("c.ini", Self.configuration(
            pty, mqttPort: mqttPort, mqttSpool: spool, files: directory)))

        // 200 readings of about 3 kB while the broker is away: more than the disk holds.
        let meter = SteadyMeter(pty: pty, perSecond: 100, count: 200)
        meter.start()
        #expect(meter.waitUntilSent(timeout: 20))
        #expect(eventually(timeout: 10) { ((try? jsonLines(directory.file("readings.jsonl"))) ?? []).count == 200 })
        usleep(500_000)
        let log = { collector.stderr.contents }
        #expect(log().components(separatedBy: "no space left").count == 2, "the full disk is logged once: \(log())")

        // Space returns; 100 more readings all fit.
        try FileManager.default.removeItem(atPath: ballast)
        let more = SteadyMeter(pty: pty, perSecond: 100, first: 200, count: 100)
        more.start()
        #expect(more.waitUntilSent(timeout: 20))
        #expect(eventually(timeout: 10) { log().contains("space again") }, "\(log())")

        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"], port: mqttPort)
        let subscriber = try ReadingSubscriber(port: broker.port)
        #expect(eventually(timeout: 30) { subscriber.indices.last == 299 }, "\(log())")
        usleep(300_000)
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        // The oldest were dropped, exactly as many as logged; everything after them arrived, in order.
        let received = subscriber.indices
        let firstKept = received.first ?? 0
        #expect(firstKept > 0 && firstKept < 200, "some of the first 200 were dropped: \(received.prefix(5))")
        #expect(received == Array(firstKept..<300), "\(DeliveryCheck(arrivals: received, count: 300))")
        #expect(log().contains("\(firstKept) oldest spooled records were dropped"), "\(log())")
        #expect(try Self.mqttSpool(spool).indices.isEmpty)
    }

    @Test("SIGTERM in the middle of a flood with MQTT, PostgreSQL, CSV and JSON-lines sinks: exits within 2 s, and every reading is delivered or waits in a flushed spool")
    func terminatedUnderLoad() throws {
        let directory = try TestFolder()
        let server = try PostgresServer()
        let broker = try MosquittoBroker(listenerOptions: ["max_queued_messages 0"])
        let subscriber = try ReadingSubscriber(port: broker.port)
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let mqttSpool = directory.file("spool-mqtt"), postgresSpool = directory.file("spool-postgres")
        let collector = try Self.startCollector(try directory.write("c.ini", Self.configuration(
            pty, mqttPort: broker.port, mqttSpool: mqttSpool, postgres: server, postgresSpool: postgresSpool,
            postgresKeys: "batch_size = 1", files: directory)))   // one transaction per reading: a server that lags
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("tables ready") }, "\(collector.stderr.contents)")

        let meter = SteadyMeter(pty: pty, perSecond: 1000, count: 3000)
        meter.start()
        #expect(meter.waitUntilSent(1500, timeout: 30))
        collector.signal(SIGTERM)
        let stopping = Date()
        let status = collector.waitForExit(timeout: 10)
        let took = Date().timeIntervalSince(stopping)
        meter.stop()
        #expect(status == 0, "\(collector.stderr.contents.suffix(3000))")
        #expect(took < (runsUnderSanitizer ? 5 : 2), "stopped in \(took) s")

        // What the reader handed on: telegrams 0..<published, in order.
        let summary = collector.stderr.contents.components(separatedBy: "published ").last?.prefix(while: \.isNumber) ?? ""
        let published = try #require(Int(summary), "\(collector.stderr.contents.suffix(2000))")
        #expect(published > 1000)
        let all = Set(0..<published)
        let lines = try jsonLines(directory.file("readings.jsonl"))
        #expect(lines.count == published, "the JSON-lines sink wrote everything")

        let (mqttWaiting, mqttFile) = try Self.mqttSpool(mqttSpool)
        #expect(mqttFile.discardedTailBytes == 0)
        // The subscriber takes the last messages the broker still forwards.
        #expect(eventually(timeout: 10) { Set(subscriber.indices).union(mqttWaiting) == all }, "MQTT: every reading delivered or spooled")
        let received = Set(subscriber.indices)
        #expect(received.intersection(mqttWaiting).count <= MQTTFaultTests.window, "only unacknowledged ones stay spooled")

        let (postgresWaiting, postgresFile) = try Self.postgresSpool(postgresSpool)
        #expect(postgresFile.discardedTailBytes == 0)
        let stored = try Self.storedIndices(server)
        #expect(stored.indices.union(postgresWaiting) == all, "PostgreSQL: every reading stored or spooled")
        #expect(stored.indices.intersection(postgresWaiting).isEmpty, "the spool's head was written at shutdown")
        #expect(stored.rows == Self.rowsPerReading * stored.indices.count)
    }
}
