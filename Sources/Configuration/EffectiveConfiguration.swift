import FoundationEssentials
import Protocols

/// The configuration as the collector runs it: a file's document (or the built-in default when there is no file)
/// with the `SMARTMETER__SECTION__KEY` environment applied, once, here. The collector and every command of
/// `smartmeter-config` that judges a file start from it, so they all see the values the collector would.
public struct EffectiveConfiguration: Sendable {
    /// The document with the environment applied; misnamed variables are among its `syntaxProblems`.
    public private(set) var document: IniDocument
    /// Where whole-document problems are reported: the file, or the built-in default.
    public let location: ConfigurationLocation

    /// `environment` defaults to the process's; `[:]` leaves the document as the file has it.
    public init(_ document: IniDocument, location: ConfigurationLocation,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        var document = document
        document.syntaxProblems += document.applyEnvironment(environment)
        self.document = document
        self.location = location
    }

    /// The built-in default (`DefaultConfiguration`) with the environment applied.
    public static func builtInDefault(environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        Self(DefaultConfiguration.document, location: .builtIn, environment: environment)
    }

    /// The typed configuration, or every problem.
    public func validated() -> Result<CollectorConfiguration, ConfigurationErrors> {
        ConfigurationValidator(documentLocation: location).validate(document)
    }
}
