import Foundation
import Protocols
import SystemSupport
import Testing
import TestSupport
import TestThreads

@Suite("MQTT client against a real mosquitto", .onOwnThread, .serialized)
struct MQTTClientTests {
    static func client(_ settings: MQTTSettings) throws -> (MQTTClient, EventLog) {
        let log = EventLog()
        let client = try MQTTClient(settings: settings) { log.append($0) }
        try client.start()
        return (client, log)
    }

    /// Publishes one message and checks that a subscriber on the same broker receives it byte for byte.
    static func roundTrip(publisher settings: MQTTSettings, subscriber subscriberSettings: MQTTSettings) throws {
        let (subscriber, subscriberLog) = try client(subscriberSettings)
        defer { subscriber.close() }
        #expect(subscriberLog.wait(for: EventLog.isConnected) != nil, "subscriber connects")
        #expect(try subscriberLog.subscribe(subscriber, to: "smartmeter/#"), "the subscription is in place")
        let (publisher, log) = try client(settings)
        defer { publisher.close() }
        #expect(log.wait(for: EventLog.isConnected) != nil, "publisher connects: \(log.all)")
        let payload = Array(#"{"value":28.0,"timestamp":1625583498,"obis":"1.7.0"}"#.utf8)
        let id = try publisher.publish(topic: "smartmeter/LGZ1/ACTIVE_POWER_P", payload: payload, qos: 1, retain: false)
        #expect(log.wait(for: { $0 == .published(messageID: id) }) != nil, "broker acknowledges")
        #expect(subscriberLog.wait(for: {
            if case .message("smartmeter/LGZ1/ACTIVE_POWER_P", payload) = $0 { return true } else { return false }
        }) != nil, "subscriber receives the exact bytes")
    }

    @Test("plain TCP: publish QoS 1, acknowledged, received byte for byte; retained online status")
    func plain() throws {
        let broker = try MosquittoBroker()
        var settings = MQTTSettings(port: broker.port, clientID: "publisher")
        settings.statusTopic = "smartmeter/publisher/status"
        try Self.roundTrip(publisher: settings, subscriber: MQTTSettings(port: broker.port, clientID: "subscriber"))
        // The retained status a late subscriber sees.
        let (late, log) = try Self.client(MQTTSettings(port: broker.port, clientID: "late"))
        defer { late.close() }
        #expect(log.wait(for: EventLog.isConnected) != nil)
        try late.subscribe("smartmeter/publisher/status", qos: 1)
        #expect(log.wait(for: { $0 == .message(topic: "smartmeter/publisher/status", payload: Array("offline".utf8)) }) != nil,
                "after a clean close the retained status is offline")
    }

    @Test("TLS with our CA and host name check")
    func tls() throws {
        let certificates = try TestCertificates.shared()
        let broker = try MosquittoBroker(listenerOptions: certificates.brokerTLSOptions())
        let settings = MQTTSettings(host: "localhost", port: broker.port, tls: true, caFile: certificates.caCertificate,
                                    clientID: "tls-publisher")
        var subscriber = settings
        subscriber.clientID = "tls-subscriber"
        try Self.roundTrip(publisher: settings, subscriber: subscriber)
    }

    @Test("TLS with a certificate for another host: refused with check_hostname, accepted without")
    func hostNameMismatch() throws {
        let certificates = try TestCertificates.shared()
        let broker = try MosquittoBroker(listenerOptions: [
            "cafile \(certificates.caCertificate)", "certfile \(certificates.mismatchedServerCertificate)",
            "keyfile \(certificates.mismatchedServerKey)"])
        var settings = MQTTSettings(host: "127.0.0.1", port: broker.port, tls: true, caFile: certificates.caCertificate,
                                    checkHostname: true, clientID: "strict")
        let (strict, strictLog) = try Self.client(settings)
        let failure = strictLog.wait(for: EventLog.isFailure)
        strict.close()
        #expect(failure != nil)
        #expect(strictLog.all.contains(.connected) == false)
        settings.checkHostname = false
        settings.clientID = "lenient"
        let (lenient, lenientLog) = try Self.client(settings)
        defer { lenient.close() }
        #expect(lenientLog.wait(for: EventLog.isConnected) != nil, "\(lenientLog.all)")
    }

    @Test("TLS with a CA that did not sign the broker's certificate: refused, the reason names the certificate")
    func untrustedCertificate() throws {
        let certificates = try TestCertificates.shared()
        let broker = try MosquittoBroker(listenerOptions: certificates.brokerTLSOptions())
        let settings = MQTTSettings(host: "localhost", port: broker.port, tls: true,
                                    caFile: certificates.otherCACertificate, clientID: "untrusting")
        let (client, log) = try Self.client(settings)
        defer { client.close() }
        let failure = log.wait(for: EventLog.isFailure)
        #expect(EventLog.failureText(failure).lowercased().contains("certificate"), "\(EventLog.failureText(failure))")
        #expect(!log.all.contains(.connected))
    }

    @Test("username and password: right ones connect, a wrong password is refused with the broker's reason")
    func password() throws {
        let broker = try MosquittoBroker(passwords: ["meter": "s3cret"])
        let good = MQTTSettings(port: broker.port, username: "meter", password: "s3cret", clientID: "good")
        var subscriber = good
        subscriber.clientID = "good-subscriber"
        try Self.roundTrip(publisher: good, subscriber: subscriber)
        let (bad, log) = try Self.client(MQTTSettings(port: broker.port, username: "meter", password: "wrong", clientID: "bad"))
        defer { bad.close() }
        let failure = log.wait(for: { if case .connectionFailed = $0 { return true } else { return false } })
        #expect(EventLog.failureText(failure).contains("not authorised"), "\(EventLog.failureText(failure))")
    }

    @Test("client certificate required: with our certificate it connects, without it does not")
    func clientCertificate() throws {
        let certificates = try TestCertificates.shared()
        let broker = try MosquittoBroker(listenerOptions: certificates.brokerTLSOptions(requireClientCertificate: true))
        let with = MQTTSettings(host: "localhost", port: broker.port, tls: true, caFile: certificates.caCertificate,
                                clientCertificate: certificates.clientCertificate, clientKey: certificates.clientKey,
                                clientID: "cert-publisher")
        var subscriber = with
        subscriber.clientID = "cert-subscriber"
        try Self.roundTrip(publisher: with, subscriber: subscriber)
        let without = MQTTSettings(host: "localhost", port: broker.port, tls: true, caFile: certificates.caCertificate,
                                   clientID: "no-cert")
        let (client, log) = try Self.client(without)
        defer { client.close() }
        #expect(log.wait(for: EventLog.isFailure) != nil)
        #expect(!log.all.contains(.connected))
    }

    @Test("an expired broker certificate: the reason says so; retried until the renewed certificate is accepted")
    func expiredCertificateIsRetried() throws {
        let certificates = try TestCertificates.shared()
        let port = FreePort.find()
        var broker: MosquittoBroker? = try MosquittoBroker(
            listenerOptions: certificates.brokerTLSOptions(certificate: certificates.expiredServerCertificate), port: port)
        let settings = MQTTSettings(host: "localhost", port: port, tls: true, caFile: certificates.caCertificate,
                                    clientID: "renewal", retry: Backoff.Policy(initial: .milliseconds(200), maximum: .seconds(1)))
        let (client, log) = try Self.client(settings)
        defer { client.close() }
        let failure = log.wait(for: EventLog.isFailure)
        #expect(EventLog.failureText(failure).contains("the broker's certificate was not accepted: certificate has expired"),
                "\(EventLog.failureText(failure))")
        broker = nil   // libmosquitto's own loop stopped here for good after a TLS error
        broker = try MosquittoBroker(listenerOptions: certificates.brokerTLSOptions(), port: port)
        #expect(log.wait(seconds: 10, for: EventLog.isConnected) != nil, "\(log.all)")
        _ = broker
    }

    @Test("a refused login is one failure event per attempt, the same text each time")
    func refusalIsOneEventPerAttempt() throws {
        let broker = try MosquittoBroker(passwords: ["meter": "s3cret"])
        // A short back-off: attempts every 200 ms instead of after 1, 2, 4 ... s.
        let (client, log) = try Self.client(MQTTSettings(port: broker.port, username: "meter", password: "wrong",
                                                         clientID: "refused",
                                                         retry: Backoff.Policy(initial: .milliseconds(200),
                                                                               maximum: .milliseconds(200))))
        defer { client.close() }
        #expect(eventually(timeout: 10) { log.all.filter(EventLog.isFailure).count >= 4 }, "\(log.all)")
        let failures = log.all.filter(EventLog.isFailure).map(EventLog.failureText)
        #expect(Set(failures) == ["mqtt://127.0.0.1:\(broker.port) refused the connection: Connection Refused: not authorised."],
                "\(failures)")
    }

    @Test("a broker that accepts the connection but never answers: the attempt is given up after the connect timeout, and the client gets through once a real broker listens")
    func silentBroker() throws {
        // A listening socket that never accepts: the kernel completes the TCP handshake, nothing answers CONNECT.
        let port = FreePort.find()
        let (listener, bound) = FreePort.loopbackSocket(port, bind)
        #expect(bound && listen(listener, 8) == 0)
        let log = EventLog()
        // A short back-off (the default grows to 30 s): the refused attempts while the broker starts cost little.
        let settings = MQTTSettings(port: port, clientID: "patient-silent",
                                    retry: Backoff.Policy(initial: .milliseconds(200), maximum: .seconds(1)))
        let client = try MQTTClient(settings: settings, connectTimeout: .seconds(2)) {
            log.append($0)
        }
        defer { client.close() }
        try client.start()
        let failure = log.wait(seconds: 6, for: EventLog.isFailure)
        #expect(EventLog.failureText(failure) == "mqtt://127.0.0.1:\(port): no answer within 2 s", "\(log.all)")
        close(listener)
        let broker = try MosquittoBroker(port: port)
        // The refused attempts while the broker started have grown the back-off: the next attempt comes within its
        // maximum (1 s here).
        #expect(log.wait(seconds: 10, for: EventLog.isConnected) != nil, "\(log.all)")
        _ = broker
    }

    @Test("retries wait on the client's clock: while it stands still real time brings no retry; advanced, the retry comes")
    func retryOnInjectedClock() throws {
        let port = FreePort.find()
        let manual = ManualClock()
        let settings = MQTTSettings(port: port, clientID: "clocked",
                                    retry: Backoff.Policy(initial: .milliseconds(300), maximum: .milliseconds(300)))
        let log = EventLog()
        let client = try MQTTClient(settings: settings, clock: manual.clock) { log.append($0) }
        defer { client.close() }
        try client.start()
        #expect(log.wait(seconds: 5, for: EventLog.isFailure) != nil, "\(log.all)")
        let broker = try MosquittoBroker(port: port)
        // Several times the 300 ms delay in real time (as if the wall clock had jumped): no attempt is due.
        #expect(log.wait(seconds: 2, for: EventLog.isConnected) == nil, "\(log.all)")
        manual.advance(by: .milliseconds(300))
        #expect(log.wait(seconds: 5, for: EventLog.isConnected) != nil, "\(log.all)")
        _ = broker
    }

    @Test("broker down at start: failure reported, connects by itself when the broker comes up")
    func reconnect() throws {
        let port = FreePort.find()
        let (client, log) = try Self.client(MQTTSettings(port: port, clientID: "patient"))
        defer { client.close() }
        #expect(log.wait(seconds: 5, for: EventLog.isFailure) != nil, "\(log.all)")
        let broker = try MosquittoBroker(port: port)
        #expect(log.wait(seconds: 20, for: EventLog.isConnected) != nil, "\(log.all)")
        broker.stop()
        #expect(log.wait(seconds: 5, for: { if case .disconnected = $0 { return true } else { return false } }) != nil)
    }
}
