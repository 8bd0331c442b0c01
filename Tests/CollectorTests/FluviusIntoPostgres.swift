import Foundation
import Testing
import TestSupport

/// The collector built by `swift build`, reading a Fluvius meter on a pseudo-terminal into a real PostgreSQL through
/// a spool in `directory`: started, and past its first log lines (the reader runs, the tables are ready). For the
/// suites that stop and crash the server under it.
struct FluviusIntoPostgres {
    let server: PostgresServer
    let directory: TestFolder
    let pty: PtyPair
    /// The sink's spool folder.
    let spool: String
    let collector: RunningProcess

    /// A server of `flavour` and a folder of the run's own.
    init(_ flavour: PostgresFlavour) throws {
        try self.init(try flavour.server(), directory: try TestFolder(), type: flavour.sinkType)
    }

    init(_ server: PostgresServer, directory: TestFolder, type: String = "postgresql") throws {
        self.server = server
        self.directory = directory
        pty = PtyPair(directory: directory)
        try pty.plug()
        spool = directory.file("spool")
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["port": pty.meter]) + PostgreSQLSinkTests.sinkSection(server, spool: spool, type: type))
        let collector = try launchCollector(["-c", ini])
        self.collector = collector
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading fluvius on") }, "\(collector.stderr.contents)")
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("tables ready") }, "\(collector.stderr.contents)")
    }

    /// The size of the spool's data file, 0 when there is none.
    var spoolBytes: Int {
        ((try? FileManager.default.attributesOfItem(atPath: spool + "/spool.dat"))?[.size] as? Int) ?? 0
    }
}
