import Protocols

/// Where a configuration value came from: a line of an INI file, an environment variable or the built-in default.
public struct ConfigurationLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Origin: Sendable, Equatable {
        case file(String)
        case environment(String)
        case builtIn
    }

    public var origin: Origin
    /// 1-based line number in the file; nil for environment variables, the built-in default and whole-file problems.
    public var line: Int?

    public init(origin: Origin, line: Int? = nil) {
        self.origin = origin
        self.line = line
    }

    public static func file(_ path: String, line: Int? = nil) -> ConfigurationLocation {
        ConfigurationLocation(origin: .file(path), line: line)
    }

    public static func environment(_ name: String) -> ConfigurationLocation {
        ConfigurationLocation(origin: .environment(name))
    }

    public static let builtIn = ConfigurationLocation(origin: .builtIn)

    /// `datacollector.ini:12`, `environment SMARTMETER__READER0__PORT` or `built-in default`.
    public var description: String {
        switch origin {
        case .file(let path): return line.map { "\(path):\($0)" } ?? path
        case .environment(let name): return "environment \(name)"
        case .builtIn: return "built-in default"
        }
    }
}

/// One thing wrong with a configuration, with enough context to find and fix it:
/// `datacollector.ini:7: [reader0] key: must be 32 hex characters (16 bytes), got 30 characters`.
public struct ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: Sendable, Equatable {
        /// The collector refuses the configuration.
        case error
        /// Worth knowing, but the collector runs (a serial device not plugged in yet).
        case warning
    }

    public var location: ConfigurationLocation
    public var severity: Severity
    /// The section name as written (lower-cased), nil for whole-file problems.
    public var section: String?
    public var key: String?
    public var message: String

    public init(_ message: String, at location: ConfigurationLocation, section: String? = nil, key: String? = nil,
                severity: Severity = .error) {
        self.location = location
        self.severity = severity
        self.section = section
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = "\(location): "
        if severity == .warning { text += "warning: " }
        if let section { text += "[\(section)] " }
        if let key { text += "\(key): " }
        return text + message
    }
}

/// All problems found in one configuration; thrown so that callers report them together.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]

    public init(_ problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
