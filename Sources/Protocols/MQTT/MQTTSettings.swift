import SystemSupport

/// How to reach an MQTT broker: the keys of an MQTT sink section.
public struct MQTTSettings: Sendable, Equatable {
    public var host: String
    /// 1883, or 8883 with TLS.
    public var port: Int
    public var tls: Bool
    /// CA certificate file; nil with TLS means the system's CA store.
    public var caFile: String?
    /// Verify that the broker's certificate names `host`.
    public var checkHostname: Bool
    public var username: String?
    public var password: String?
    public var clientCertificate: String?
    public var clientKey: String?
    public var clientID: String
    public var keepalive: Int
    /// `tlsv1.2` or `tlsv1.3`; nil lets OpenSSL choose.
    public var tlsVersion: String?
    /// MQTT 5 instead of 3.1.1.
    public var mqtt5: Bool
    /// Retained `online` on connect, `offline` as the last will; nil for none.
    public var statusTopic: String?
    /// The wait between connection attempts; tests pass a short one.
    public var retry: Backoff.Policy

    /// 1 s doubling up to 30 s, each delay spread by ±10 %.
    public static let defaultRetry = Backoff.Policy(initial: .seconds(1), maximum: .seconds(30), factor: 2, jitter: 0.1)

    public init(host: String = "127.0.0.1", port: Int? = nil, tls: Bool = false, caFile: String? = nil,
                checkHostname: Bool = true, username: String? = nil, password: String? = nil,
                clientCertificate: String? = nil, clientKey: String? = nil, clientID: String,
                keepalive: Int = 60, tlsVersion: String? = nil, mqtt5: Bool = false, statusTopic: String? = nil,
                retry: Backoff.Policy = MQTTSettings.defaultRetry) {
        self.host = host
        self.port = port ?? (tls ? 8883 : 1883)
        self.tls = tls
        self.caFile = caFile
        self.checkHostname = checkHostname
        self.username = username
        self.password = password
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.clientID = clientID
        self.keepalive = keepalive
        self.tlsVersion = tlsVersion
        self.mqtt5 = mqtt5
        self.statusTopic = statusTopic
        self.retry = retry
    }

    /// `mqtt://host:port` or `mqtts://host:port`, for log lines.
    public var address: String { "\(tls ? "mqtts" : "mqtt")://\(host):\(port)" }

    /// What weakens this connection's security, for a warning at every start: the broker's certificate not checked
    /// against the host name, or a password sent in plain text to another machine.
    public var securityWarnings: [String] {
        var warnings: [String] = []
        if tls && !checkHostname {
            warnings.append("check_hostname = False: the broker's certificate is not checked against '\(host)'; any "
                            + "certificate the CA signed is accepted, so whoever holds one can pose as the broker")
        }
        if !tls && password != nil && !isLoopbackHost(host) {
            warnings.append("tls is off: the password goes to \(host) in plain text")
        }
        return warnings
    }
}
