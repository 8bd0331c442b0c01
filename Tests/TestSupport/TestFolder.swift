import Foundation

/// A folder of its own for one test, in the temporary folder, removed with the last reference to it.
public final class TestFolder: Sendable {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "smartmeter-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        return file(name)
    }

    /// The text of a file in it, empty when there is none.
    public func read(_ name: String) -> String { (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "" }

    /// The permission bits of a file in it, -1 when there is none.
    public func mode(_ name: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file(name))[.posixPermissions]) as? Int) ?? -1
    }

    /// Writes the sections (`Ini`) as the folder's c.ini and returns its path.
    public func ini(_ sections: String...) throws -> String {
        try write("c.ini", sections.joined())
    }
}
