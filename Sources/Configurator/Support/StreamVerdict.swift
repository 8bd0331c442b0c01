import FoundationEssentials
import Glibc
import Protocols

/// What the bytes heard at one serial setting are: each meter type that uses this setting decodes them, and the one
/// that makes the most of them wins.
struct StreamVerdict {
    enum Kind: Equatable {
        case nothing
        case noise
        case frames(MeterType)
        case identification(String)
    }

    var kind: Kind
    var bytes: Int
    var statistics = DecoderStatistics()
    var meterID: String?
    /// nil: not known (no message); true: messages arrive ciphered.
    var encrypted: Bool?
    /// With a key: whether it decrypts the messages.
    var keyWorks: Bool?
    /// Other types the frames fit equally well.
    var alternatives: [MeterType] = []

    /// Meter id prefixes (the DLMS/FLAG manufacturer id) that tell HDLC meters apart.
    static let manufacturers: [String: MeterType] = ["LGZ": .lge450, "ISK": .iskraam550, "KFM": .kaifa, "KAM": .kamstrup_han]

    static func classify(_ bytes: [UInt8], candidates: [MeterType], key: [UInt8]?) -> StreamVerdict {
        guard !bytes.isEmpty else { return StreamVerdict(kind: .nothing, bytes: 0) }
        struct Trial { var meter: MeterType; var statistics: DecoderStatistics; var source: String?; var score: Int }
        var trials: [Trial] = []
        var keyedTrials: [MeterType: Trial] = [:]
        func decode(_ meter: MeterType, key: [UInt8]?) -> Trial? {
            guard var decoder = try? ReadingDecoderFactory.make(DecoderConfiguration(meter: meter, key: key)) else { return nil }
            var source: String?
            let emit: (DecoderEvent) -> Void = { event in
                if case .reading(let reading) = event, source == nil { source = reading.source }
            }
            decoder.feed(bytes, emit: emit)
            decoder.finish(emit: emit)
            let stats = decoder.statistics
            let encryptedDrops = (stats.dropped[.noKey] ?? 0) + (stats.dropped[.decryptionFailed] ?? 0)
                + (stats.dropped[.authenticationFailed] ?? 0)
            return Trial(meter: meter, statistics: stats, source: source,
                         score: stats.readings * 1000 + encryptedDrops * 100 + stats.messages * 10 + stats.frames)
        }
        for meter in candidates {
            if let trial = decode(meter, key: nil) { trials.append(trial) }
            if let key, let trial = decode(meter, key: key) { keyedTrials[meter] = trial }
        }
        guard let best = trials.max(by: { $0.score < $1.score }), best.score > 0 else {
            if let identification = Self.identification(in: bytes) {
                return StreamVerdict(kind: .identification(TerminalText.escape(identification)), bytes: bytes.count)
            }
            return StreamVerdict(kind: .noise, bytes: bytes.count)
        }
        let ties = trials.filter { $0.score == best.score }.map(\.meter)
        var chosen = best
        var verdict = StreamVerdict(kind: .frames(best.meter), bytes: bytes.count, statistics: best.statistics)
        let noKeyDrops = best.statistics.dropped[.noKey] ?? 0
        verdict.encrypted = noKeyDrops > 0 ? true : (best.statistics.readings > 0 ? false : nil)
        if let keyed = keyedTrials[best.meter] {
            if verdict.encrypted == true {
                let wrong = (keyed.statistics.dropped[.decryptionFailed] ?? 0) + (keyed.statistics.dropped[.authenticationFailed] ?? 0)
                verdict.keyWorks = keyed.statistics.readings > 0 ? true : (wrong > 0 ? false : nil)
                if keyed.statistics.readings > 0 { chosen = keyed }
            }
        }
        verdict.meterID = chosen.source.map(TerminalText.escape)   // the meter chose it: shown, never obeyed
        verdict.statistics = chosen.statistics
        // Equally good types: the meter id's manufacturer decides, else P1 headers name Fluvius.
        if ties.count > 1 {
            var pick = ties[0]
            if let prefix = chosen.source?.prefix(3).uppercased(), let meter = Self.manufacturers[prefix], ties.contains(meter) {
                pick = meter
            } else if ties.contains(.fluvius), String(decoding: bytes.prefix(4096), as: UTF8.self).contains("/FLU") {
                pick = .fluvius
            }
            verdict.kind = .frames(pick)
            verdict.alternatives = ties.filter { $0 != pick }
        }
        return verdict
    }

    /// An IEC 62056-21 identification line `/AAAn...` (the answer to a sign-on request).
    static func identification(in bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let rest = line[line.index(after: slash)...]
            let chars = Array(rest)
            if chars.count >= 5, chars[0...2].allSatisfy({ $0.isLetter }), chars[3].isNumber {
                return String(rest)
            }
        }
        return nil
    }

    /// One line for the report.
    var summary: String {
        switch kind {
        case .nothing:
            return "nothing received"
        case .noise:
            return "noise: \(bytes) bytes, no frame or telegram (wrong speed or parity, or not a meter)"
        case .identification(let text):
            return "IEC 62056-21 identification /\(text)"
        case .frames(let meter):
            var text: String
            switch meter.linkLayer {
            case .hdlc: text = "HDLC frames"
            case .mbus: text = "M-Bus frames"
            case .p1: text = "DSMR P1 telegrams"
            case .encryptedP1: text = "encrypted P1 frames"
            case .iec62056_21: text = "IEC 62056-21 readouts"
            }
            text += ": \(statistics.frames) frames, \(statistics.messages) messages, \(statistics.readings) readings"
            if let meterID { text += "; meter id \(meterID)" }
            switch (encrypted, keyWorks) {
            case (true?, true?): text += "; encrypted, and the key decrypts it"
            case (true?, false?): text += "; encrypted, and the key given does NOT decrypt it (wrong key?)"
            case (true?, nil): text += "; encrypted (give --key to check your key)"
            case (false?, _): text += "; not encrypted"
            case (nil, _): break
            }
            return text
        }
    }
}
