import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import Delivery
import SystemSupport

/// `type = mqtt | mqttrldsp | mqttjson`: publishes every reading through an on-disk spool, so that nothing is lost
/// while the broker is away or the collector restarts (see `SpooledPublisher`). At the end of a replay `finish` waits
/// until the spool is published, as long as the broker keeps taking messages.
///
/// With `ha_discovery`, per meter it announced it also keeps Home Assistant told (retained, outside the spool, sent
/// again at every connect and birth message) whether the meter's reader has input and what the reader dropped,
/// from `MeterStatusView`: availability within a second of a change, the counters at most every
/// `diagnosticsInterval` seconds when they changed.
final class MQTTSink: Sink {
    private let publisher: SpooledPublisher
    private let format: MQTTPayloadFormat
    private let topicPrefix: String
    private let topicGroup: String
    private let logger: Logger
    private var drops: SpoolDropLog
    private var announcer: HomeAssistantAnnouncer?
    private let meters: MeterStatusView
    /// Per meter, what the availability and diagnostics topics were last given.
    private var meterStates: [String: (available: Bool, diagnostics: MeterDiagnostics, diagnosticsAt: Double)] = [:]
    /// Meters whose readings came since the last refresh (their reader's status may not show the reading yet).
    private var seen: Set<String> = []
    /// Devices looked up since the last refresh: a reading costs a dictionary look-up, not the readers' locks.
    private var devices: [String: MeterDevice?] = [:]
    private var nextRefresh = 0.0
    private let interrupted = StopFlag()

    /// How long `finish` waits while a connected broker takes nothing before it leaves the rest spooled for the next
    /// start (a broker that cannot be reached is not waited for: its failure is logged, the spool keeps the messages).
    static let finishPatience = 30.0

    static let diagnosticsInterval = 10.0

    init(sink name: String, _ configuration: MQTTSinkSettings, logger: Logger, meters: MeterStatusView = .none) throws {
        self.meters = meters
        format = configuration.layout
        self.logger = logger
        topicPrefix = configuration.topicPrefix
        topicGroup = configuration.topicGroup
        let settings = configuration.connection
        for warning in settings.securityWarnings { logger.warning("\(warning)") }
        let spool = try SinkSpool.open(configuration.spool, sink: name, logger: logger)
        drops = SpoolDropLog(spool, logger: logger)
        let sinkLogger = logger
        if let discoveryPrefix = configuration.homeAssistantPrefix {
            announcer = HomeAssistantAnnouncer(HomeAssistantDiscovery(
                discoveryPrefix: discoveryPrefix, layout: format,
                topicPrefix: topicPrefix, topicGroup: topicGroup, availabilityTopic: settings.statusTopic))
        }
        let birthTopic = announcer?.discovery.statusTopic
        publisher = try SpooledPublisher(settings: settings, spool: spool, qos: configuration.qos,
                                         retain: configuration.retain, subscriptions: birthTopic.map { [$0] } ?? [],
                                         announceAgain: { topic, payload in
                                             topic == birthTopic && HomeAssistantAnnouncer.isBirth(payload)
                                         }) { event in
            switch event {
            case .connected(let text): sinkLogger.info("\(text)")
            case .unreachable(let text), .refused(let text), .requestFailed(let text), .setupWarning(let text),
                 .spoolFailed(let text):
                sinkLogger.warning("\(text)")
            }
        }
        try publisher.start()
    }

    func write(_ readings: [Reading]) throws {
        if var announcer {
            let refusedBefore = announcer.refusedMeters
            let announcements = announcer.announcements(for: readings) { meter in
                if let known = devices[meter] { return known }
                let device = meters.status(ofMeter: meter)?.device
                devices[meter] = device
                return device
            }
            if !announcements.isEmpty { publisher.announce(announcements) }
            if refusedBefore == 0 && announcer.refusedMeters > 0 {
                logger.warning("Home Assistant: \(HomeAssistantAnnouncer.maximumMeters) meters announced already; readings of further meter ids are published but not announced (reported once)")
            }
            self.announcer = announcer
            for reading in readings { seen.insert(reading.source) }
            refreshMeterStates(now: monotonicSeconds(), force: !announcements.isEmpty)
        }
        var messages: [MQTTMessage] = []
        for reading in readings {
            messages += format.messages(for: reading, topicPrefix: topicPrefix, topicGroup: topicGroup)
        }
        defer {
            let now = publisher.statistics
            drops.update(dropped: now.droppedBecauseFull, droppedForSpace: now.droppedForSpace, diskFull: now.diskFull)
        }
        try publisher.submit(messages)
    }

    func tick() {
        refreshMeterStates(now: monotonicSeconds(), force: false)
    }

    /// Once a second (or now, after an announcement): each announced meter's availability when it changed, its
    /// diagnostics when they changed and `diagnosticsInterval` has passed (at once the first time).
    private func refreshMeterStates(now: Double, force: Bool) {
        guard let announcer, force || now >= nextRefresh else { return }
        nextRefresh = now + 1
        devices.removeAll(keepingCapacity: true)
        var messages: [MQTTMessage] = []
        for meter in announcer.meters {
            let status = meters.status(ofMeter: meter, now: now)
            // A meter no reader claims (a sink outside a collector): the sink's status alone decides.
            let available = (status?.available ?? true) || seen.contains(meter)
            let diagnostics = status?.diagnostics ?? MeterDiagnostics()
            let last = meterStates[meter]
            var next = last ?? (available, diagnostics, now)
            if last?.available != available {
                messages.append(MQTTMessage(topic: announcer.discovery.meterAvailabilityTopic(forSource: meter),
                                            payload: available ? "online" : "offline"))
                next.available = available
            }
            if last == nil || (last!.diagnostics != diagnostics && now >= last!.diagnosticsAt + Self.diagnosticsInterval) {
                messages.append(MQTTMessage(topic: announcer.discovery.diagnosticsTopic(forSource: meter),
                                            payload: diagnostics.json))
                next.diagnostics = diagnostics
                next.diagnosticsAt = now
            }
            meterStates[meter] = next
        }
        seen.removeAll(keepingCapacity: true)
        if !messages.isEmpty { publisher.announce(messages) }
    }

    var health: SinkHealth? {
        let now = publisher.statistics
        return SinkHealth(connected: now.connected, failure: now.connected ? nil : now.failure ?? "connecting",
                          spooledBytes: now.pendingBytes, spoolDropped: now.droppedBecauseFull + now.refused)
    }

    /// The end of a replay: waits until the broker has taken the spool, as long as it keeps taking messages.
    func finish() {
        var pending = publisher.statistics.pendingBytes
        guard pending > 0 else { return }
        logger.info("end of input: waiting until the broker has taken the \(pending) spooled bytes")
        var lastProgress = monotonicSeconds()
        while !interrupted.isSet {
            // Woken by every acknowledgement; a quarter of a second at most, to notice an interrupt.
            let now = publisher.statistics(waitingUpTo: .milliseconds(250)) {
                $0.pendingBytes < pending || (!$0.connected && $0.failure != nil)
            }
            if now.pendingBytes == 0 || (!now.connected && now.failure != nil) { return }
            if now.pendingBytes < pending {
                pending = now.pendingBytes
                lastProgress = monotonicSeconds()
            } else if monotonicSeconds() - lastProgress > Self.finishPatience {
                logger.warning("the broker took nothing at the end of the input; the rest stays spooled for the next start")
                return
            }
        }
    }

    func interrupt() {
        interrupted.set()
    }

    /// Gives the broker a moment to acknowledge what is in flight (the meters' `offline` too, or to accept the
    /// connection still being made); the rest stays spooled for the next start.
    func close() {
        if let announcer {
            // The meters' readers stop with the collector; the status topic's `offline` says so as well.
            publisher.announce(announcer.meters.map {
                MQTTMessage(topic: announcer.discovery.meterAvailabilityTopic(forSource: $0), payload: "offline")
            })
        }
        // Up to a second, woken by every acknowledgement, until nothing is in flight or the broker is away.
        let left = publisher.statistics(waitingUpTo: .seconds(1)) {
            ($0.pendingBytes == 0 && $0.announcementsPending == 0) || (!$0.connected && $0.failure != nil)
        }
        if left.pendingBytes > 0 {
            logger.info("\(left.pendingBytes) bytes stay spooled until the next start")
        }
        drops.finish(dropped: left.droppedBecauseFull, droppedForSpace: left.droppedForSpace)
        publisher.close()
    }
}
