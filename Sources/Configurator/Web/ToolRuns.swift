import FoundationEssentials
import Glibc
import Configuration
import Protocols

/// What `detect`, `test-sinks` and `restart` printed, run as this very program's subcommands so that the web page
/// gives the same verdicts and messages as the command line.
struct ToolOutput: Sendable {
    var title: String
    var status: Int32
    var text: String
    /// From detect: the reader section it proposes (key lines it could not fill are left out).
    var proposal: [(key: String, value: String)] = []
}

enum ToolRuns {
    /// This program, as the kernel knows it.
    static let executable: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
    }()

    static func detect(port: String, type: String?, seconds: Int) -> ToolOutput {
        var arguments = ["detect", "--port", port, "--seconds", String(seconds)]
        if let type { arguments += ["--type", type] }
        let run = CommandRunner.run(executable, arguments)
        return ToolOutput(title: "detect on \(port)", status: run.status, text: run.output,
                          proposal: proposal(in: run.output))
    }

    static func testSinks(config: String) -> ToolOutput {
        let run = CommandRunner.run(executable, ["test-sinks", "-c", config, "--timeout", "5"])
        return ToolOutput(title: "test-sinks (the saved configuration)", status: run.status, text: run.output)
    }

    static func restart(config: String) -> ToolOutput {
        let run = CommandRunner.run(executable, ["restart", "-c", config, "--lines", "15"])
        return ToolOutput(title: "restart", status: run.status, text: run.output)
    }

    /// The indented `key = value` lines after "Suggested section" in detect's output.
    static func proposal(in output: String) -> [(key: String, value: String)] {
        guard let start = output.firstRange(of: "Suggested section") else { return [] }
        var entries: [(key: String, value: String)] = []
        for line in output[start.upperBound...].split(separator: "\n").dropFirst() {
            guard line.hasPrefix("    ") else { if !entries.isEmpty { break } else { continue } }
            guard let assignment = ConfigurationEdit.assignment(String(line)) else { continue }
            if assignment.value.hasPrefix("(") { continue }   // "(the 32 hex characters from your grid operator)"
            entries.append(assignment)
        }
        return entries
    }
}
