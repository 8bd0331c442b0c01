import Foundation
import TestSupport
import Testing
import TestThreads

/// A CR, LF or NUL in a value would end its line in the file and start a key or section of its own (or cut the
/// value short): every subcommand that writes refuses it, without repeating the value.
@Suite("smartmeter-config refuses line breaks and NUL in values", .onOwnThread)
struct LineBreakTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    static let file = "[reader0]\ntype = lge450\nport = /dev/null\n[sink0]\ntype = csv\ndirectory = /tmp\n"

    @Test("set, add-reader and add-sink exit 2 and leave the file as it was", arguments: [
        ["set", "sink0.directory=/tmp\n[sink9]\ntype=logger"],
        ["set", "sink0.directory=/tmp\rX"],
        ["set", "sink0\n.directory=/tmp"],
        ["add-reader", "--type", "lge450", "--port", "/dev/null\nkey = 00"],
        ["add-reader", "--type", "lge450", "--port", "/dev/null", "--key", "Hidden-K3y\r"],
        ["add-sink", "--type", "csv", "directory=/tmp\n[logging]"],
        ["add-sink", "--type", "csv\r", "directory=/tmp"],
    ])
    func refusedArguments(_ arguments: [String]) throws {
        let path = try scratch.write("c.ini", Self.file)
        let result = try Configurator.run([arguments[0], "-c", path] + arguments.dropFirst())
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("must stay on one line"), "\(result.stderr)")
        #expect(!result.stderr.contains("Hidden-K3y"))
        #expect(scratch.read("c.ini") == Self.file)
    }

    @Test("the wizard asks again when an answer holds a CR or a NUL, and the file holds the next answer")
    func wizardAsksAgain() throws {
        let config = scratch.file("w.ini")
        var answers = WizardTests.pipedAnswers
        answers.insert("/dev/null\rX", at: answers.firstIndex(of: "/dev/null")!)
        let withNUL = answers.firstIndex(of: "db.example")!
        answers.insert("db\u{0}x", at: withNUL)
        let result = try Configurator.run(["wizard", "-c", config], stdin: answers.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("the answer holds a carriage return (CR); a value must stay on one line; type it again"))
        #expect(result.stdout.contains("the answer holds a NUL character, which would cut it short; type it again"))
        let text = scratch.read("w.ini")
        #expect(!text.contains("\r") && !text.contains("\u{0}") && text.contains("host = db.example\n"), "\(text)")
    }

    @Test("a value ending in a backslash cannot continue onto the next line; a key name with '[' or ']' is refused")
    func continuationAndBrackets() throws {
        let path = try scratch.write("c.ini", Self.file + "[sink1]\ntype = logger\n")
        let set = try Configurator.run(["set", "-c", path, "sink0.directory=/tmp\\"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(scratch.read("c.ini").contains("directory = \"/tmp\\\"\n[sink1]\n"), "\(scratch.read("c.ini"))")
        let validate = try Configurator.run(["validate", "-c", path])
        #expect(validate.stdout.contains("valid (1 reader, 2 sinks)"), "\(validate.stdout)")
        let before = scratch.read("c.ini")
        // Found by the config fuzz target: a value that needs quotes and holds both kinds has no form iniparser reads.
        for arguments in [["set", "-c", path, "sink0.[sink7=]"], ["add-sink", "-c", path, "--type", "logger", "[sink7=]"],
                          ["set", "-c", path, "sink0.name=#'siinky = \"x"]] {
            let result = try Configurator.run(arguments)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(scratch.read("c.ini") == before)
        }
    }
}
