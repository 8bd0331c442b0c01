import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// The collector announcing three real meters to a real Home Assistant (2025.4.4, the oldest we test) through each
/// MQTT payload layout: every expected entity with its device class, state class and unit in Home Assistant's entity
/// registry, each state in its recorder equal to the decoded value in Home Assistant's unit, back after Home
/// Assistant restarts with the announcements gone from the broker (the birth message brings them), a meter exchange
/// (energy going down) recorded as sent, the diagnostic counters equal to the readers' (a damaged telegram counted as
/// a dropped frame), a meter whose serial port is gone unavailable while the others stay, and every entity
/// unavailable once the collectors stop.
///
/// One Home Assistant serves the three layouts at once (its start takes 15-60 s): each layout has its own collector
/// and its own three meters (reader `id` = meter id + `-` + layout), so their devices and unique ids are apart.
@Suite("Home Assistant", .onOwnThread, .serialized)
struct HomeAssistantTests {
    static let layouts = ["mqtt", "mqttrldsp", "mqttjson"]

    /// What Home Assistant should show for one value.
    struct Expected {
        var obis: String
        var deviceClass: String?
        var stateClass: String?
        var unit: String?
        /// The decoded value divided by this is Home Assistant's.
        var divisor: Double = 1
        var diagnostic = false
        var text = false
        /// A collector counter (`frames_dropped`, ...): the state is the reader's count, checked against its web face.
        var counter: String?
    }

    struct Meter {
        var type: String
        var id: String
        var message: [UInt8]
        var expected: (_ layout: String) -> [Expected]
    }

    static func energy(_ obis: String) -> Expected { Expected(obis: obis, deviceClass: "energy", stateClass: "total_increasing", unit: "kWh", divisor: 1000) }
    static func reactiveEnergy(_ obis: String) -> Expected { Expected(obis: obis, deviceClass: nil, stateClass: "total_increasing", unit: "kvarh", divisor: 1000) }
    static func power(_ obis: String) -> Expected { Expected(obis: obis, deviceClass: "power", stateClass: "measurement", unit: "W") }
    static func voltage(_ obis: String) -> Expected { Expected(obis: obis, deviceClass: "voltage", stateClass: "measurement", unit: "V") }
    static func current(_ obis: String) -> Expected { Expected(obis: obis, deviceClass: "current", stateClass: "measurement", unit: "A") }
    static func phases() -> [Expected] {
        ["32", "52", "72"].map { voltage("1-0:\($0).7.0*255") } + ["31", "51", "71"].map { current("1-0:\($0).7.0*255") }
    }

    static func meters() throws -> [Meter] {
        let fluvius = try FluviusTelegrams.template.get()
        return [
            Meter(type: "lge450", id: "LGZ1030653520967", message: try captureFrames("lge450-gbt-vse2026").flatMap { $0 }) { layout in
                [energy("1-1:1.8.0*255"), energy("1-1:2.8.0*255"), reactiveEnergy("1-1:3.8.0*255"), reactiveEnergy("1-1:4.8.0*255"),
                 power("1-0:1.7.0*255"), power("1-0:2.7.0*255")] + phases()
                    + (layout == "mqttjson" ? [Expected(obis: "0-0:96.1.1*255", diagnostic: true, text: true)] : [])
            },
            Meter(type: "iskraam550", id: "ISK1030783821282", message: try captureFrames("iskraam550-segmented-vse2026").flatMap { $0 }) { _ in
                [energy("1-1:1.8.0*255"), energy("1-1:2.8.0*255"), reactiveEnergy("1-1:3.8.0*255"), reactiveEnergy("1-1:4.8.0*255"),
                 power("1-1:1.7.0*255"), power("1-1:2.7.0*255")] + phases()
            },
            Meter(type: "fluvius", id: "1SAG3101021605", message: FluviusTelegrams.withChecksum(fluvius)) { layout in
                ["1.8.1", "1.8.2", "2.8.1", "2.8.2"].map { energy("1-0:\($0)*255") }
                    + ["1.7.0", "2.7.0", "21.7.0", "41.7.0", "61.7.0", "22.7.0", "42.7.0", "62.7.0"].map { power("1-0:\($0)*255") }
                    + phases()
                    + [Expected(obis: "1-0:1.4.0*255", deviceClass: "power", stateClass: "measurement", unit: "kW", divisor: 1000),
                       Expected(obis: "0-0:96.14.0*255"),
                       Expected(obis: "0-1:24.2.3*255", deviceClass: "gas", stateClass: "total_increasing", unit: "m³"),
                       Expected(obis: "0-2:24.2.1*255", deviceClass: "water", stateClass: "total_increasing", unit: "m³")]
                    // mqttrldsp keys values by C.D.E: this month's peak and the past months' (1.6.0 four times) collide.
                    + (layout == "mqttrldsp" ? [] : [Expected(obis: "1-0:1.6.0*255", deviceClass: "power", stateClass: "measurement", unit: "kW", divisor: 1000)])
                    // With the reader's `id` in place of the meter's, the equipment id (0-0:96.1.1) stays a value.
                    + (layout == "mqttjson" ? [Expected(obis: "0-0:96.1.4*255", diagnostic: true, text: true),
                                               Expected(obis: "0-0:96.1.1*255", diagnostic: true, text: true)] : [])
            },
        ]
    }

    /// The Fluvius meter after an exchange (or a reset): tariff 1 and 2 import below what it sent before.
    static func exchangedFluvius() throws -> [UInt8] {
        FluviusTelegrams.withChecksum(try FluviusTelegrams.template.get()
            .replacingOccurrences(of: "1-0:1.8.1(000000.034*kWh)", with: "1-0:1.8.1(000000.010*kWh)")
            .replacingOccurrences(of: "1-0:1.8.2(000015.758*kWh)", with: "1-0:1.8.2(000001.000*kWh)"))
    }

    static func uniqueID(source: String, obis: String) -> String {
        "smartmeter_\(source)_" + obis.map { $0.isNumber ? String($0) : "_" }.joined()
    }

    /// What the collector decoded: the last reading of `source` in a JSON-lines file, OBIS code -> value.
    static func decoded(_ file: String, source: String) -> (timestamp: String, values: [String: Any])? {
        guard let reading = (try? jsonLines(file))?.last(where: { $0["source"] as? String == source }),
              let timestamp = reading["timestamp"] as? String, let values = reading["values"] as? [[String: Any]] else { return nil }
        var byCode: [String: Any] = [:]
        for value in values { if let obis = value["obis"] as? String, let v = value["value"] { byCode[obis] = v } }
        return (timestamp, byCode)
    }

    /// Whether Home Assistant's state is the decoded value in its unit.
    static func matches(_ state: String, _ expected: Expected, decoded: Any?) -> Bool {
        if expected.text { return state == decoded as? String }
        guard let number = (decoded as? NSNumber)?.doubleValue, let shown = Double(state) else { return false }
        let wanted = number / expected.divisor
        return abs(shown - wanted) <= 1e-9 * max(1, abs(wanted))
    }

    @Test("E450, AM550 and Fluvius P1 with gas and water through mqtt, mqttrldsp and mqttjson into Home Assistant",
          .enabled(if: HomeAssistantServer.enabled, Comment(rawValue: HomeAssistantServer.skipReason)),
          .timeLimit(.minutes(10)))
    func homeAssistant() throws {
        let started = Date()
        let venv = try #require(HomeAssistantServer.venv, "HOMEASSISTANT_VENV holds no bin/hass")
        let directory = try TestFolder()
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let watch = EventLog()
        let watcher = try MQTTClient(settings: MQTTSettings(port: broker.port, clientID: "ha-test-watcher")) { watch.append($0) }
        try watcher.start()
        defer { watcher.close() }
        #expect(watch.wait(for: EventLog.isConnected) != nil)
        try watcher.subscribe("homeassistant/status", qos: 1)
        func births() -> Int {
            watch.messages.filter { $0.topic == "homeassistant/status" && $0.payload == Array("online".utf8) }.count
        }

        let ha = try HomeAssistantServer(venv: venv, directory: directory.file("ha"), mqttPort: broker.port)
        try ha.start()
        defer { ha.stop() }
        try #require(eventually(timeout: 120) { births() == 1 }, "Home Assistant did not come up:\n\(ha.log.suffix(3000))")
        let upAfter = Date().timeIntervalSince(started)

        // Three collectors, one per layout, each with its own three meters.
        let meters = try Self.meters()
        var feeds: [String: [RepeatingMeter]] = [:]
        var collectors: [String: RunningProcess] = [:]
        defer {
            for collector in collectors.values { collector.signal(SIGTERM); _ = collector.waitForExit(timeout: 10) }
            for feed in feeds.values.joined() { feed.stop() }
        }
        for layout in Self.layouts {
            var ini = ""
            for (index, meter) in meters.enumerated() {
                let feed = try RepeatingMeter(directory: directory, message: meter.message, name: "\(layout)-\(meter.type)")
                feeds[layout, default: []].append(feed)
                ini += "[reader\(index)]\ntype = \(meter.type)\nport = \(feed.pty.meter)\nid = \(meter.id)-\(layout)\n"
            }
            ini += "[http]\nlisten = \(directory.file("http-" + layout + ".sock"))\n"
            ini += Ini.section("sink0", ["type": layout, "host": "127.0.0.1", "port": broker.port,
                                      "client_id": "collector-\(layout)",
                                      "spool_dir": directory.file("spool-" + layout), "ha_discovery": "True"]) +
                Ini.sink(1, "jsonl", ["file": directory.file(layout + ".jsonl")]) +
                Ini.logging("INFO")
            collectors[layout] = try launchCollector(["-c", try directory.write(layout + ".ini", ini)])
        }

        // Every expected entity, with its classes and unit, and nothing else.
        var expectations: [String: (layout: String, source: String, expected: Expected)] = [:]
        for layout in Self.layouts {
            for meter in meters {
                let source = "\(meter.id)-\(layout)"
                for expected in meter.expected(layout) {
                    expectations[Self.uniqueID(source: source, obis: expected.obis)] = (layout, source, expected)
                }
                expectations["smartmeter_\(source)_last_reading"] = (layout, source, Expected(
                    obis: "", deviceClass: "timestamp", diagnostic: true, text: true))
                for counter in ["frames_dropped", "messages_dropped", "decryption_failures"] {
                    expectations["smartmeter_\(source)_\(counter)"] = (layout, source, Expected(
                        obis: "", stateClass: "total_increasing", diagnostic: true, counter: counter))
                }
            }
        }
        let registered = eventually(timeout: 90) { Set(ha.entities().map(\.uniqueID)).isSuperset(of: expectations.keys) }
        let entities = ha.entities()
        #expect(registered, "missing: \(Set(expectations.keys).subtracting(entities.map(\.uniqueID)).sorted())\n\(ha.log.suffix(3000))")
        #expect(Set(entities.map(\.uniqueID)) == Set(expectations.keys),
                "unexpected entities: \(Set(entities.map(\.uniqueID)).subtracting(expectations.keys).sorted())")
        for entity in entities {
            guard let (_, _, expected) = expectations[entity.uniqueID] else { continue }
            #expect(entity.deviceClass == expected.deviceClass, "\(entity.uniqueID): device class \(entity.deviceClass ?? "none")")
            #expect(entity.stateClass == expected.stateClass, "\(entity.uniqueID): state class \(entity.stateClass ?? "none")")
            #expect(entity.unit == expected.unit, "\(entity.uniqueID): unit \(entity.unit ?? "none")")
            #expect((entity.entityCategory == "diagnostic") == expected.diagnostic, "\(entity.uniqueID): category")
        }
        let entityIDs = Dictionary(entities.map { ($0.uniqueID, $0.entityID) }, uniquingKeysWith: { first, _ in first })
        let registeredAfter = Date().timeIntervalSince(started)

        /// The unique ids whose latest recorded state (newer than `since`) is not what `wanted` says.
        func wrongStates(since: Double = 0, _ wanted: (String, Expected, String) -> Bool) -> [String] {
            let recorded = ha.recordedStates()
            return expectations.compactMap { uniqueID, expectation in
                guard let entityID = entityIDs[uniqueID], let last = recorded[entityID]?.last, last.updated > since,
                      wanted(uniqueID, expectation.expected, last.state) else {
                    return "\(uniqueID)=\(recorded[entityIDs[uniqueID] ?? ""]?.last?.state ?? "nothing")"
                }
                return nil
            }.sorted()
        }
        /// The decoded value in Home Assistant's form.
        func decodedMatches(_ uniqueID: String, _ expected: Expected, _ state: String) -> Bool {
            guard let (layout, source, _) = expectations[uniqueID],
                  let decoded = Self.decoded(directory.file(layout + ".jsonl"), source: source) else { return false }
            if expected.counter != nil { return UInt(state) != nil }   // compared with the readers' below
            if expected.obis.isEmpty {   // the time of the last reading
                return state == decoded.timestamp.replacingOccurrences(of: "Z", with: "+00:00")
            }
            return Self.matches(state, expected, decoded: decoded.values[expected.obis])
        }

        var wrong: [String] = []
        #expect(eventually(timeout: 60) { wrong = wrongStates(decodedMatches); return wrong.isEmpty }, "\(wrong)")
        // A few values straight from the captures' published expectations (testdata/*.json), in Home Assistant's units.
        let recorded = ha.recordedStates()
        for (uniqueID, state) in [("smartmeter_LGZ1030653520967-mqtt_1_1_1_8_0_255", "482.939"),
                                  ("smartmeter_1SAG3101021605-mqttrldsp_0_1_24_2_3_255", "112.384"),
                                  ("smartmeter_1SAG3101021605-mqttjson_0_2_24_2_1_255", "872.234"),
                                  ("smartmeter_1SAG3101021605-mqtt_1_0_1_4_0_255", "2.351")] {
            #expect(recorded[entityIDs[uniqueID] ?? ""]?.last?.state == state, "\(uniqueID)")
        }
        let statesAfter = Date().timeIntervalSince(started)

        // Home Assistant restarts and the broker has lost the announcements (a broker without persistence restarted
        // meanwhile): only the birth message can bring the entities back.
        ha.stop()
        let cleared = EventLog()
        let clearer = try MQTTClient(settings: MQTTSettings(port: broker.port, clientID: "ha-test-clearer")) { cleared.append($0) }
        try clearer.start()
        #expect(cleared.wait(for: EventLog.isConnected) != nil)
        for layout in Self.layouts {
            for meter in meters {
                try clearer.publish(topic: "homeassistant/device/\(meter.id)-\(layout)/config", payload: [], qos: 1, retain: true)
            }
        }
        #expect(eventually(timeout: 10) { cleared.all.filter { if case .published = $0 { true } else { false } }.count == 9 })
        clearer.close()
        let restart = Date().timeIntervalSince1970
        try ha.start()
        try #require(eventually(timeout: 120) { births() == 2 }, "Home Assistant did not come back:\n\(ha.log.suffix(3000))")
        #expect(eventually(timeout: 60) { wrong = wrongStates(since: restart, decodedMatches); return wrong.isEmpty },
                "not back after the restart: \(wrong)")
        let backAfter = Date().timeIntervalSince(started)

        // A meter exchange: the Fluvius meters' import registers go down. Home Assistant records what is sent; for a
        // total_increasing sensor its statistics count a decrease as a new meter cycle (README, Home Assistant).
        let exchanged = try Self.exchangedFluvius()
        for layout in Self.layouts { feeds[layout]?[2].send(exchanged) }
        let lowered = ["1_0_1_8_1_255": "0.01", "1_0_1_8_2_255": "1.0"]
        #expect(eventually(timeout: 30) {
            let recorded = ha.recordedStates()
            return Self.layouts.allSatisfy { layout in
                lowered.allSatisfy { code, state in
                    recorded[entityIDs["smartmeter_1SAG3101021605-\(layout)_\(code)"] ?? ""]?.last?.state == state
                }
            }
        }, "the lower energy is recorded")

        // A damaged Fluvius telegram (one digit changed after its checksum) in each layout: a dropped frame, which the
        // diagnostic entities show; every counter in Home Assistant equals its reader's on the collector's web face.
        let good = try Self.exchangedFluvius()
        let damaged = Array(String(decoding: good, as: UTF8.self)
            .replacingOccurrences(of: "1-0:1.8.1(000000.010*kWh)", with: "1-0:1.8.1(000000.011*kWh)").utf8)
        #expect(damaged != good)
        let sentBefore = Self.layouts.map { feeds[$0]![2].sent }
        for layout in Self.layouts { feeds[layout]?[2].send(damaged + good) }
        #expect(eventually(timeout: 10) { zip(Self.layouts, sentBefore).allSatisfy { feeds[$0]![2].sent >= $1 + 2 } })
        for layout in Self.layouts { feeds[layout]?[2].send(good) }
        /// layout -> reader index -> counter -> the reader's count, from `/api/v1/status`.
        func collectorCounters() -> [String: [[String: Int]]] {
            var counters: [String: [[String: Int]]] = [:]
            for layout in Self.layouts {
                guard let response = try? HTTPProbe.request(.unix(path: directory.file("http-" + layout + ".sock")), "/api/v1/status"),
                      let root = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                      let readers = root["readers"] as? [[String: Any]] else { continue }
                counters[layout] = readers.map { reader in
                    var byLayer = ["frames_dropped": 0, "messages_dropped": 0, "decryption_failures": 0]
                    for (reason, count) in reader["dropped_by_reason"] as? [String: Int] ?? [:] {
                        switch DropReason(rawValue: reason)?.layer {
                        case .frame?: byLayer["frames_dropped", default: 0] += count
                        case .message?: byLayer["messages_dropped", default: 0] += count
                        case .decryption?: byLayer["decryption_failures", default: 0] += count
                        case nil: byLayer["unknown reason " + reason] = count
                        }
                    }
                    return byLayer
                }
            }
            return counters
        }
        var counters: [String: [[String: Int]]] = [:]
        #expect(eventually(timeout: 45) {
            counters = collectorCounters()
            wrong = wrongStates { uniqueID, expected, state in
                guard let counter = expected.counter else { return true }
                guard let (layout, source, _) = expectations[uniqueID],
                      let index = meters.firstIndex(where: { source == "\($0.id)-\(layout)" }),
                      let count = counters[layout]?[index][counter] else { return false }
                return state == String(count)
            }
            return wrong.isEmpty
        }, "diagnostics differ from the collectors' \(counters): \(wrong)")
        for layout in Self.layouts {
            #expect((counters[layout]?[2]["frames_dropped"] ?? 0) >= 1, "\(layout): the damaged telegram counted")
            #expect(ha.recordedStates()[entityIDs["smartmeter_1SAG3101021605-\(layout)_frames_dropped"] ?? ""]?.last
                .flatMap { Int($0.state) }.map { $0 >= 1 } == true, "\(layout): Home Assistant shows the dropped frame")
        }

        // The AM550 of the mqtt layout loses its serial port while the collector runs: its entities go unavailable,
        // the other meters' stay.
        feeds["mqtt"]?[1].stop()
        let gone = "ISK1030783821282-mqtt"
        #expect(eventually(timeout: 30) {
            wrong = wrongStates { uniqueID, _, state in
                let (_, source, _) = expectations[uniqueID]!
                return source == gone ? state == "unavailable" : state != "unavailable"
            }
            return wrong.isEmpty
        }, "only the lost meter unavailable: \(wrong)")

        // The collectors stop: their last will / offline status makes every entity unavailable.
        for (layout, collector) in collectors {
            collector.signal(SIGTERM)
            #expect(collector.waitForExit(timeout: 15) == 0, "\(layout): \(collector.stderr.contents)")
        }
        collectors = [:]
        #expect(eventually(timeout: 30) { wrong = wrongStates { _, _, state in state == "unavailable" }; return wrong.isEmpty },
                "still available: \(wrong)")

        // No duplicates: Home Assistant saved its registries on the way out.
        ha.stop()
        let after = ha.entities()
        #expect(after.count == expectations.count, "entities: \(after.count), expected \(expectations.count)")
        #expect(Set(after.map(\.entityID)).count == after.count)
        let ids = Set(after.map(\.entityID))
        #expect(!ids.contains { ids.contains($0 + "_2") }, "a second entity for the same value: \(ids.filter { ids.contains($0 + "_2") })")
        let devices = ha.devices()
        #expect(devices.count == 9, "devices: \(devices)")
        let models = ha.deviceModels()
        for layout in Self.layouts {
            #expect(models["smartmeter_LGZ1030653520967-\(layout)"]?.model == "E450")
            #expect(models["smartmeter_LGZ1030653520967-\(layout)"]?.manufacturer == "Landis+Gyr")
            #expect(models["smartmeter_ISK1030783821282-\(layout)"]?.model == "AM550")
            #expect(models["smartmeter_1SAG3101021605-\(layout)"]?.model == "FLU5\\253769484_A", "the P1 identification line")
            #expect(models["smartmeter_1SAG3101021605-\(layout)"]?.manufacturer == "Sagemcom")
        }
        let mqttErrors = ha.log.split(separator: "\n").filter { $0.contains("ERROR") && $0.contains("components.mqtt") }
        #expect(mqttErrors.isEmpty, "\(mqttErrors)")
        print("Home Assistant test: up after \(Int(upAfter)) s, entities registered after \(Int(registeredAfter)) s, "
              + "states after \(Int(statesAfter)) s, back after the restart at \(Int(backAfter)) s, "
              + "done after \(Int(Date().timeIntervalSince(started))) s; Fluvius frames dropped per layout: "
              + "\(Self.layouts.map { counters[$0]?[2]["frames_dropped"] ?? -1 })")
    }
}
