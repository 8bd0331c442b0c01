import Protocols
import Delivery

/// MQTT sinks that would connect to one broker with one client id. A broker keeps one session per client id and
/// disconnects the older client when a second one connects with it, so two such sinks knock each other off for ever
/// (and both reconnect every second). `smartmeter-config validate` and the collector's start warn about it.
public enum ClientIDConflicts {
    public static func problems(in document: IniDocument) -> [ConfigurationProblem] {
        var first: [String: IniDocument.Section] = [:]
        var problems: [ConfigurationProblem] = []
        for section in document.sections {
            guard case .sink? = SectionKind(section.name),
                  let type = section.value("type")?.lowercased(), let layout = MQTTPayloadFormat(rawValue: type) else { continue }
            let connection = MQTTSinkSettings(section, layout: layout).connection
            let host = connection.host.lowercased(), port = connection.port, clientID = connection.clientID
            let key = "\(host)\u{0}\(port)\u{0}\(clientID)"
            if let earlier = first[key] {
                let entry = section.entry("client_id")
                problems.append(ConfigurationProblem(
                    "client id '\(clientID)' is also used by [\(earlier.name)] for the same broker \(host):\(port); the broker "
                        + "keeps one connection per client id, so the two sinks would disconnect each other: give each "
                        + "its own 'client_id' (or remove it: the default is one per sink)",
                    at: entry?.location ?? section.location, section: section.name, key: entry.map { _ in "client_id" },
                    severity: .warning))
            } else {
                first[key] = section
            }
        }
        return problems
    }
}
