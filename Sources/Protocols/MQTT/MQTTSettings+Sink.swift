import FoundationEssentials
import Glibc

extension MQTTSettings {
    /// The settings of an `mqtt`, `mqttrldsp` or `mqttjson` sink section: one mapping for the collector's sink and
    /// `smartmeter-config test-sinks`, so the test connects exactly as the collector will.
    /// `clientIDSuffix` and `statusTopic: false` let a test connection run beside the collector without taking over
    /// its session or its retained status.
    public init(sink configuration: SinkConfiguration, clientIDSuffix: String = "", statusTopic: Bool = true) {
        let options = configuration.options
        func flag(_ key: String) -> Bool? { options[key].flatMap(ConfigurationValidator.boolean) }
        let clientID = options["client_id"] ?? Self.defaultClientID(sink: configuration.name)
        self.init(
            host: options["host"] ?? "127.0.0.1", port: options["port"].flatMap { Int($0) }, tls: flag("tls") ?? false,
            caFile: options["ca_file_path"], checkHostname: flag("check_hostname") ?? true,
            username: options["username"], password: options["password"],
            clientCertificate: options["client_cert_path"], clientKey: options["client_key_path"],
            clientID: clientID + clientIDSuffix, keepalive: options["keepalive"].flatMap { Int($0) } ?? 60,
            tlsVersion: options["tls_version"], mqtt5: options["protocol"] == "5",
            statusTopic: statusTopic ? "\(Self.topicPrefix(of: configuration))/\(clientID)/status" : nil)
    }

    /// `smartmeter-<host name>-<sinkN>`: one per sink, so two MQTT sinks to one broker (say `mqtt` and `mqttjson`)
    /// do not take each other's session over (a broker disconnects the older client with the same id).
    public static func defaultClientID(sink name: String) -> String {
        "smartmeter-\(ProcessInfo.processInfo.hostName)-\(name)"
    }

    /// `topic_prefix`, default `smartmeter`.
    public static func topicPrefix(of configuration: SinkConfiguration) -> String {
        configuration.options["topic_prefix"] ?? "smartmeter"
    }
}
