import Foundation
import TestSupport

/// A real Home Assistant (from the venv `scripts/homeassistant-for-tests` makes) with a configuration folder of its
/// own: the MQTT integration as a config entry pointing at a test broker, the recorder committing every second.
/// What it learnt is read where Home Assistant keeps it: `.storage/core.entity_registry` and the recorder's SQLite
/// database (through the venv's Python, which has the sqlite3 module).
final class HomeAssistantServer {
    /// The venv: `HOMEASSISTANT_VENV`, else the script's default folder when `hass` is there; nil when neither.
    static let venv: String? = {
        let candidates = [ProcessInfo.processInfo.environment["HOMEASSISTANT_VENV"],
                          "/var/cache/smartmeter-homeassistant/2025.4.4"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/bin/hass") }
    }()

    /// Runs when the venv is there or `HOMEASSISTANT_VENV` names one (CI: a broken venv fails the test instead of
    /// skipping it); `HOMEASSISTANT_TESTS=off` skips it (the sanitizer runs).
    static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["HOMEASSISTANT_TESTS"] != "off" && (venv != nil || environment["HOMEASSISTANT_VENV"] != nil)
    }

    static let skipReason = "Home Assistant is not installed: run scripts/homeassistant-for-tests (or set HOMEASSISTANT_VENV); HOMEASSISTANT_TESTS=off skips it"

    let directory: String
    let venv: String
    private var pid: pid_t = 0

    init(venv: String, directory: String, mqttPort: Int) throws {
        self.venv = venv
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory + "/.storage", withIntermediateDirectories: true)
        try """
            homeassistant:
              name: Test
              time_zone: UTC
              unit_system: metric
              latitude: 47.4
              longitude: 8.5
              elevation: 400
              country: CH
              currency: CHF
            recorder:
              commit_interval: 1
            logger:
              default: warning

            """.write(toFile: directory + "/configuration.yaml", atomically: true, encoding: .utf8)
        let entries: [String: Any] = [
            "version": 1, "minor_version": 5, "key": "core.config_entries",
            "data": ["entries": [[
                "entry_id": "01JSMARTMETERTESTMQTT000000", "version": 1, "minor_version": 2, "domain": "mqtt",
                "title": "127.0.0.1", "data": ["broker": "127.0.0.1", "port": mqttPort],
                "options": ["discovery": true, "discovery_prefix": "homeassistant"],
                "pref_disable_new_entities": false, "pref_disable_polling": false, "source": "user",
                "unique_id": NSNull(), "disabled_by": NSNull(), "discovery_keys": [String: Any](),
                "subentries": [Any](),
                "created_at": "2025-01-01T00:00:00+00:00", "modified_at": "2025-01-01T00:00:00+00:00",
            ]]],
        ]
        try JSONSerialization.data(withJSONObject: entries).write(to: URL(fileURLWithPath: directory + "/.storage/core.config_entries"))
    }

    var log: String { (try? String(contentsOfFile: directory + "/home-assistant.log", encoding: .utf8)) ?? "" }

    /// Starts `hass -c DIR` (offline: `--skip-pip`); its output goes to `hass.out` in the folder.
    func start() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        pid = try ChildProcess.spawn([venv + "/bin/hass", "-c", directory, "--skip-pip"], log: directory + "/hass.out",
                                     environment: environment)
    }

    var isRunning: Bool { ChildProcess.isRunning(pid) }

    /// SIGTERM and wait: Home Assistant writes its registries and the recorder's last commit on the way out.
    func stop() {
        ChildProcess.signalAndWait(pid, SIGTERM)
        pid = 0
    }

    /// One entity of `core.entity_registry` that the MQTT integration made.
    struct Entity {
        var entityID: String
        var uniqueID: String
        var deviceClass: String?
        var stateClass: String?
        var unit: String?
        var entityCategory: String?
        var deviceID: String?
    }

    /// The MQTT entities of the registry file as Home Assistant last saved it (it saves a few seconds after a
    /// change, and on stop).
    func entities() -> [Entity] {
        guard let data = FileManager.default.contents(atPath: directory + "/.storage/core.entity_registry"),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = (root["data"] as? [String: Any])?["entities"] as? [[String: Any]] else { return [] }
        return list.filter { $0["platform"] as? String == "mqtt" }.map { item in
            Entity(entityID: item["entity_id"] as? String ?? "", uniqueID: item["unique_id"] as? String ?? "",
                   deviceClass: (item["device_class"] as? String) ?? (item["original_device_class"] as? String),
                   stateClass: (item["capabilities"] as? [String: Any])?["state_class"] as? String,
                   unit: item["unit_of_measurement"] as? String, entityCategory: item["entity_category"] as? String,
                   deviceID: item["device_id"] as? String)
        }
    }

    /// The MQTT devices of `core.device_registry`: their identifiers.
    func devices() -> [[String]] {
        guard let data = FileManager.default.contents(atPath: directory + "/.storage/core.device_registry"),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = (root["data"] as? [String: Any])?["devices"] as? [[String: Any]] else { return [] }
        return list.compactMap { device in
            let identifiers = (device["identifiers"] as? [[String]] ?? []).filter { $0.first == "mqtt" }.map { $0[1] }
            return identifiers.isEmpty ? nil : identifiers
        }
    }

    /// The MQTT devices of `core.device_registry`: identifier -> manufacturer and model.
    func deviceModels() -> [String: (manufacturer: String?, model: String?)] {
        guard let data = FileManager.default.contents(atPath: directory + "/.storage/core.device_registry"),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = (root["data"] as? [String: Any])?["devices"] as? [[String: Any]] else { return [:] }
        var models: [String: (manufacturer: String?, model: String?)] = [:]
        for device in list {
            for identifier in (device["identifiers"] as? [[String]] ?? []) where identifier.first == "mqtt" {
                models[identifier[1]] = (device["manufacturer"] as? String, device["model"] as? String)
            }
        }
        return models
    }

    /// A state the recorder stored.
    struct RecordedState {
        var state: String
        /// Seconds since 1970 (Home Assistant's clock).
        var updated: Double
    }

    /// Every state the recorder committed, per entity id, oldest first.
    func recordedStates() -> [String: [RecordedState]] {
        let script = """
            import json, sqlite3, sys
            db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=5)
            rows = db.execute("SELECT m.entity_id, s.state, s.last_updated_ts FROM states s "
                              "JOIN states_meta m ON s.metadata_id = m.metadata_id ORDER BY s.state_id").fetchall()
            print(json.dumps(rows))
            """
        guard FileManager.default.fileExists(atPath: directory + "/home-assistant_v2.db"),
              let output = try? Shell.run(venv + "/bin/python", ["-c", script, directory + "/home-assistant_v2.db"]),
              let rows = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Any]] else { return [:] }
        var states: [String: [RecordedState]] = [:]
        for row in rows where row.count == 3 {
            guard let entity = row[0] as? String else { continue }
            states[entity, default: []].append(RecordedState(state: row[1] as? String ?? "", updated: (row[2] as? Double) ?? 0))
        }
        return states
    }
}
