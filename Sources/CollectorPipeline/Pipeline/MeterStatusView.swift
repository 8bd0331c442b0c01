import Protocols
import Delivery

/// What a sink may know of the readers, read-only: per meter id, the status of the reader whose readings carry it
/// (its drop counters, whether its input works, what the meter is). The MQTT sinks' Home Assistant discovery reads it
/// about once a second; nothing flows back to the readers.
package struct MeterStatusView: Sendable {
    struct MeterStatus: Equatable, Sendable {
        var diagnostics: MeterDiagnostics
        /// A reading came within the reader's expected interval and its input has no problem.
        var available: Bool
        var device: MeterDevice
    }

    let readers: [ReaderStatus]

    /// No readers: every meter unknown (sinks outside a collector, tests).
    package static let none = MeterStatusView(readers: [])

    /// The reader that last noted `meterID` (when several did, the one with the latest reading); nil when none did.
    func status(ofMeter meterID: String, now: Double = monotonicSeconds()) -> MeterStatus? {
        var best: (reader: ReaderStatus, snapshot: ReaderStatus.Snapshot)?
        for reader in readers {
            let snapshot = reader.snapshot
            guard snapshot.meterIDs.contains(meterID) else { continue }
            if let current = best, (current.snapshot.lastReadingMonotonic ?? 0) >= (snapshot.lastReadingMonotonic ?? 0) {
                continue
            }
            best = (reader, snapshot)
        }
        guard let (reader, snapshot) = best else { return nil }
        return MeterStatus(diagnostics: MeterDiagnostics(snapshot.statistics), available: reader.isAvailable(now: now),
                           device: MeterDevice(meterID: meterID, meterType: reader.meter,
                                               identification: snapshot.identification))
    }
}
