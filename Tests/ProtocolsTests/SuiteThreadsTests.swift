import Foundation
import Testing
import TestThreads

/// Every suite runs its test cases on threads of their own (`OnOwnThread`): a suite without it would put its waiting
/// tests back on the two threads of the cooperative pool and stretch the whole run.
@Suite(.onOwnThread) struct SuiteThreadsTests {
    @Test("every @Suite in Tests/ carries .onOwnThread")
    func everySuiteRunsOnItsOwnThreads() throws {
        let tests = TestData.root.deletingLastPathComponent().appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(atPath: tests.path)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") } ?? []
        var suites = 0
        var missing: [String] = []
        for file in files {
            let text = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.trimmingCharacters(in: .whitespaces).hasPrefix("@Suite") {
                suites += 1
                if !line.contains(".onOwnThread") { missing.append("Tests/\(file):\(number + 1)") }
            }
        }
        #expect(suites > 50)
        #expect(missing.isEmpty, "suites without .onOwnThread: \(missing)")
    }
}
