import Protocols

/// The one set of rules that decides whether the collector runs a configuration: `smartmeter-datacollector` and
/// `smartmeter-config validate` (and every configurator command that writes the file) call this and nothing else.
/// It runs the schema and cross checks (`ConfigurationValidator`), the checks of the files and devices the
/// configuration names (`ConfigurationFileChecks`), and the warnings about MQTT client ids and a world-readable file
/// with secrets. Errors stop the collector (exit 2); warnings are logged at every start.
public struct ConfigurationRules: Sendable {
    public struct Outcome: Sendable {
        /// The configuration to run, when there is no error.
        public var configuration: CollectorConfiguration?
        /// Errors first, then warnings.
        public var problems: [ConfigurationProblem]

        public var errors: [ConfigurationProblem] { problems.filter { $0.severity == .error } }
        public var warnings: [ConfigurationProblem] { problems.filter { $0.severity == .warning } }
    }

    public var location: ConfigurationLocation

    public init(location: ConfigurationLocation) {
        self.location = location
    }

    public func check(_ document: IniDocument) -> Outcome {
        var problems: [ConfigurationProblem] = []
        var configuration: CollectorConfiguration?
        switch ConfigurationValidator(documentLocation: location).validate(document) {
        case .success(let valid): configuration = valid
        case .failure(let errors): problems = errors.problems
        }
        if document.syntaxProblems.isEmpty {
            problems += ConfigurationFileChecks().problems(in: document)
            problems += ClientIDConflicts.problems(in: document)
        }
        if case .file(let path) = location.origin,
           let warning = ConfigurationSecrets.permissionWarning(path: path, document: document) {
            problems.append(ConfigurationProblem(warning, at: location, severity: .warning))
        }
        let errors = problems.filter { $0.severity == .error }
        return Outcome(configuration: errors.isEmpty ? configuration : nil,
                       problems: errors + problems.filter { $0.severity == .warning })
    }
}
