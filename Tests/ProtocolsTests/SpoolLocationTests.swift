@testable import Protocols
import Testing
import TestThreads
@testable import Delivery

/// A spool without `spool_dir` goes to the state folder of the service or of the user, never the working directory.
@Suite("Default spool folder", .onOwnThread)
struct SpoolLocationTests {
    func folder(_ environment: [String: String], home: String? = "/home/pw") -> String {
        SpoolLocation.defaultFolder(sink: "sink1", environment: environment, home: { home })
    }

    @Test("STATE_DIRECTORY, else XDG_STATE_HOME, else HOME/.local/state, else the home of the user; relative values ignored")
    func order() {
        #expect(folder(["STATE_DIRECTORY": "/var/lib/smartmeter-datacollector:/other", "XDG_STATE_HOME": "/x", "HOME": "/h"])
                == "/var/lib/smartmeter-datacollector/spool/sink1")
        #expect(folder(["XDG_STATE_HOME": "/x/state/", "HOME": "/h"]) == "/x/state/smartmeter-datacollector/spool/sink1")
        #expect(folder(["HOME": "/h"]) == "/h/.local/state/smartmeter-datacollector/spool/sink1")
        #expect(folder([:]) == "/home/pw/.local/state/smartmeter-datacollector/spool/sink1")
        #expect(folder(["STATE_DIRECTORY": "spool", "XDG_STATE_HOME": "state", "HOME": "h"])
                == "/home/pw/.local/state/smartmeter-datacollector/spool/sink1")
        #expect(!folder([:], home: nil).hasPrefix("./") && folder([:], home: nil).hasPrefix("/"))
    }
}
