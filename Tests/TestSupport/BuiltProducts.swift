import Foundation

/// Where the package and its built programs are, for the suites that run them.
public enum BuiltProducts {
    /// The package root, from this file's path (Tests/TestSupport/BuiltProducts.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built program `name` (smartmeter-datacollector, smartmeter-config): from `SMARTMETER_BIN_DIR`, else beside
    /// the running test bundle (the scratch path `swift test` built into), else `.build-<folder>/debug` and
    /// `.build/debug` under the package root.
    public static func binary(_ name: String, folder: String) -> String {
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["SMARTMETER_BIN_DIR"] { candidates.append(directory + "/" + name) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/" + name)
        candidates.append(packageRoot.appendingPathComponent(".build-\(folder)/debug/\(name)").path)
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }
}
