import Foundation
import TestSupport
import Testing
import TestThreads

/// `init`, `show`, `set`, `add-reader`, `add-sink`, `remove`: non-interactive edits that keep comments and order.
@Suite("smartmeter-config init, show and edits", .onOwnThread)
struct EditCommandTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    static let userFile = """
        # my meter in the cellar
        [reader0]
        type = lge450   ; the EKZ meter
        port = /dev/null
        # key from EKZ, letter of May
        key = 0123456789ABCDEF0123456789ABCDEF

        # the NAS
        [sink0]
        type = csv
        directory = /tmp

        [logging]
        default = WARNING

        """

    @Test("init writes the collector's default with mode 0640 and never overwrites without --force")
    func initCommand() throws {
        let path = scratch.file("sub/dir/datacollector.ini")
        let first = try Configurator.run(["init", "-c", path])
        #expect(first.status == 0)
        #expect(first.stdout == "wrote the default configuration to \(path)\n")
        #expect(scratch.mode("sub/dir/datacollector.ini") == 0o640)
        let text = scratch.read("sub/dir/datacollector.ini")
        #expect(text.hasPrefix("# smartmeter-datacollector configuration\n"))
        #expect(text.contains("[reader0]\n# type of the connected smart meter"))
        #expect(text.contains("# announce each meter and its values to Home Assistant (MQTT discovery, retained; default False)\n# ha_discovery =\n"),
                "init documents Home Assistant discovery on the MQTT sink")
        try "changed\n".write(toFile: path, atomically: false, encoding: .utf8)
        let again = try Configurator.run(["init", "-c", path])
        #expect(again.status == 1)
        #expect(again.stderr == "smartmeter-config init: \(path) exists; use --force to replace it\n")
        #expect(scratch.read("sub/dir/datacollector.ini") == "changed\n")
        let forced = try Configurator.run(["init", "--force", "-c", path])
        #expect(forced.status == 0)
        #expect(scratch.read("sub/dir/datacollector.ini") == text)
        #expect(try Configurator.run(["validate", "-c", path]).stdout.hasSuffix("valid (1 reader, 2 sinks, 1 warning)\n"))
    }

    @Test("show masks secrets, marks environment overrides and gives the serial settings")
    func show() throws {
        let path = try scratch.write("c.ini", Self.userFile)
        let result = try Configurator.run(["show", "-c", path], environment: ["SMARTMETER__READER0__BAUDRATE": "9600"])
        #expect(result.status == 0)
        #expect(result.stdout == """
            # \(path)

            [reader0]
            type = lge450
            port = /dev/null
            key = ********
            # from the environment: SMARTMETER__READER0__BAUDRATE
            baudrate = 9600
            # serial settings: 9600 8E1

            [sink0]
            type = csv
            directory = /tmp

            [logging]
            default = WARNING

            """)
        #expect(!result.stdout.contains("0123456789"))
        let builtIn = try Configurator.run(["show", "-c", scratch.file("none.ini")])
        #expect(builtIn.status == 0)
        #expect(builtIn.stdout.hasPrefix("# no file at \(scratch.file("none.ini")): the collector's built-in default\n"))
        let invalid = try Configurator.run(["show", "-c", path], environment: ["SMARTMETER__SINK0__TYPE": "nope"])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("[sink0] type: unknown sink type 'nope'"))
    }

    @Test("set changes only its lines, keeps comments and order, uncomments '# key =' lines of init")
    func set() throws {
        let path = try scratch.write("c.ini", Self.userFile)
        let result = try Configurator.run(["set", "-c", path, "reader0.key=FEDCBA9876543210FEDCBA9876543210",
                                           "reader0.timezone=Europe/Zurich", "logging.collector=INFO", "sink0.directory=/var/tmp"])
        #expect(result.status == 0)
        #expect(result.stdout == "\(path): set reader0.key, reader0.timezone, logging.collector, sink0.directory\n")
        #expect(scratch.read("c.ini") == """
            # my meter in the cellar
            [reader0]
            type = lge450   ; the EKZ meter
            port = /dev/null
            # key from EKZ, letter of May
            key = FEDCBA9876543210FEDCBA9876543210
            timezone = Europe/Zurich

            # the NAS
            [sink0]
            type = csv
            directory = /var/tmp

            [logging]
            default = WARNING
            collector = INFO

            """)
        // In a file written by init, the commented '# timezone =' line below its help becomes the value.
        let initPath = scratch.file("init.ini")
        _ = try Configurator.run(["init", "-c", initPath])
        #expect(try Configurator.run(["set", "-c", initPath, "reader0.timezone=Europe/Zurich"]).status == 0)
        #expect(scratch.read("init.ini").contains("# zone of meter times sent without UTC offset, e.g. Europe/Zurich; default Europe/Brussels for P1 meter types, else the system's\ntimezone = Europe/Zurich\n"))
    }

    @Test("set refuses a change that makes the file invalid and writes nothing; bad arguments exit 2")
    func setRefused() throws {
        let path = try scratch.write("c.ini", Self.userFile)
        let result = try Configurator.run(["set", "-c", path, "reader0.key=1234", "sink0.typo=1"])
        #expect(result.status == 1)
        #expect(result.stderr == """
            smartmeter-config set: not written, the change would make the configuration invalid:
              \(path):6: [reader0] key: must be 32 hex characters (16 bytes), got 4 characters
              \(path):12: [sink0] typo: unknown key; did you mean 'type'? (keys of a csv sink: type, directory, queue_size, queue_max_kb)

            """)
        #expect(scratch.read("c.ini") == Self.userFile)
        let usage = try Configurator.run(["set", "-c", path, "reader0key=1"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("'reader0key=1' is not SECTION.KEY=VALUE"))
        let missing = try Configurator.run(["set", "-c", scratch.file("none.ini"), "reader0.port=/dev/null"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file; create it with 'smartmeter-config init' or 'smartmeter-config wizard'"))
    }

    @Test("a password with ';' and '#' is quoted and read back intact")
    func quotedValue() throws {
        let path = try scratch.write("c.ini", Self.userFile)
        let result = try Configurator.run(["add-sink", "-c", path, "--type", "mqtt", "host=broker", "username=me", "password=a#b;c d"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scratch.read("c.ini").hasSuffix("\n\n[sink1]\ntype = mqtt\nhost = broker\nusername = me\npassword = \"a#b;c d\"\n"))
        // iniparser gives the value back without the quotes: the MQTT test below logs in with it.
        #expect(try Configurator.run(["validate", "-c", path]).status == 0)
    }

    @Test("add-reader and add-sink --name of a section that exists: refused with how to change it, the file unchanged",
          arguments: [["add-reader", "--type", "dsmr", "--port", "/dev/null", "--name", "reader0"],
                      ["add-sink", "--type", "logger", "--name", "SINK0"]])
    func addExistingSection(_ arguments: [String]) throws {
        let path = try scratch.write("c.ini", Self.userFile)
        let result = try Configurator.run([arguments[0], "-c", path] + arguments.dropFirst())
        let name = arguments.last!.lowercased()
        #expect(result.status == 1)
        #expect(result.stderr.contains("[\(name)] exists already; change it with 'smartmeter-config set \(name).KEY=VALUE'"),
                "\(result.stderr)")
        #expect(scratch.read("c.ini") == Self.userFile)
    }

    @Test("add-reader and add-sink append numbered sections; remove takes a section and its comment")
    func addAndRemove() throws {
        let path = try scratch.write("c.ini", Self.userFile)
        let reader = try Configurator.run(["add-reader", "-c", path, "--type", "dsmr", "--port", "/dev/null"])
        #expect(reader.status == 0)
        #expect(reader.stdout == "\(path): added [reader1]\n")
        let sink = try Configurator.run(["add-sink", "-c", path, "--type", "jsonl", "file=/tmp/r.jsonl"])
        #expect(sink.stdout == "\(path): added [sink1]\n")
        #expect(scratch.read("c.ini") == Self.userFile + """

            # DSMR 4/5 P1 port (Netherlands; also Swedish, Irish, Hungarian, Austrian P1 and EasyMeter Q3D)
            [reader1]
            type = dsmr
            port = /dev/null

            [sink1]
            type = jsonl
            file = /tmp/r.jsonl

            """)
        let removed = try Configurator.run(["remove", "-c", path, "sink0"])
        #expect(removed.status == 0)
        #expect(removed.stdout == "\(path): removed [sink0]\n")
        let text = scratch.read("c.ini")
        #expect(!text.contains("the NAS") && !text.contains("[sink0]"))
        #expect(text.contains("# key from EKZ, letter of May\nkey = 0123456789ABCDEF0123456789ABCDEF\n\n[logging]\n"))
        let last = try Configurator.run(["remove", "-c", path, "sink1"])
        #expect(last.status == 1)
        #expect(last.stderr.contains("no [sinkN] section: readings would go nowhere"))
        let none = try Configurator.run(["remove", "-c", path, "sink7"])
        #expect(none.status == 1)
        #expect(none.stderr == "smartmeter-config remove: no section [sink7] in \(path) (sections: [reader0], [logging], [reader1], [sink1])\n")
        let badSink = try Configurator.run(["add-sink", "-c", path, "--type", "csv"])
        #expect(badSink.status == 1)
        #expect(badSink.stderr.contains("[sink0] directory: missing"))
        let usage = try Configurator.run(["add-reader", "-c", path, "--type", "lge450"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("give either --port or --file"))
    }

    @Test("every subcommand has complete help", arguments: ["validate", "init", "wizard", "show", "set", "add-reader",
                                                            "add-sink", "remove", "detect", "test-sinks", "restart", "decode"])
    func help(_ command: String) throws {
        let result = try Configurator.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("OVERVIEW:") && result.stdout.contains("USAGE: smartmeter-config \(command)"))
        #expect(result.stdout.contains("Exit status") || command == "decode" && result.stdout.contains("Exit status"))
        let root = try Configurator.run(["--help"])
        #expect(root.stdout.contains("  \(command) "))
    }
}
