import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import SystemSupport

/// Log lines on standard error. Under systemd (JOURNAL_STREAM set) each line starts with the syslog priority
/// (`<4>`) so journald files it at the right level and adds its own timestamp; on a terminal a UTC timestamp and the
/// level name come first. Metadata follows the message as `key=value`.
struct StderrLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let journald: Bool

    init(label: String, level: Logger.Level, journald: Bool) {
        self.label = label
        self.logLevel = level
        self.journald = journald
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = ""
        if journald {
            line += "<\(Self.syslogPriority(event.level))>"
        } else {
            line += Self.timestamp() + " " + event.level.rawValue.uppercased() + " "
        }
        // Messages quote what meters send (ids, topics, texts): one line each, nothing a terminal would obey.
        line += label + ": " + TerminalText.escape(event.message.description)
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for key in all.keys.sorted() {
            line += " \(key)=" + TerminalText.escape("\(all[key]!)")
        }
        line += "\n"
        _ = FileSystem.writeAll(STDERR_FILENO, line)
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let text = CivilTime.iso8601(Int64(now.tv_sec))
        let millis = now.tv_nsec / 1_000_000
        return String(text.dropLast()) + "." + String(1000 + millis).dropFirst() + "Z"
    }
}

extension Logger.Level {
    init(_ level: LogLevel) {
        switch level {
        case .DEBUG: self = .debug
        case .INFO: self = .info
        case .WARNING: self = .warning
        case .ERROR: self = .error
        }
    }
}

/// The loggers of the collector, one label per `[logging]` key.
package enum LogLabels {
    package static let smartmeter = "smartmeter"
    package static let collector = "collector"
    package static let sink = "sink"

    /// Installs the stderr handler; `--dev` turns every label to debug.
    package static func bootstrap(_ configuration: LoggingConfiguration, development: Bool) {
        let journald = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
        LoggingSystem.bootstrap { label in
            let level: LogLevel
            switch label {
            case smartmeter: level = configuration.smartmeter
            case collector: level = configuration.collector
            case sink: level = configuration.sink
            default: level = configuration.defaultLevel
            }
            return StderrLogHandler(label: label, level: development ? .debug : Logger.Level(level), journald: journald)
        }
    }
}
