import CLibPQ
import Testing
@testable import Protocols
import TestThreads
@testable import Delivery

/// libpq is loaded with dlopen when a PostgreSQL sink connects (see LibPQ.swift); these check the loader itself.
/// The PostgreSQL sink, outage and configurator suites use it against a real server.
@Suite("libpq loaded at run time", .onOwnThread)
struct LibPQTests {
    @Test("the installed libpq loads and every function the sink uses resolves")
    func installedLibraryLoads() throws {
        let library = try LibPQ.open(LibPQ.soname).get()
        // A connection to a socket folder that does not exist: libpq itself answers, through the loaded functions.
        let connection = "host".withCString { key in
            "/nonexistent-socket-folder".withCString { value in
                let keys: [UnsafePointer<CChar>?] = [key, nil], values: [UnsafePointer<CChar>?] = [value, nil]
                return library.connectdbParams(keys, values, 0)
            }
        }
        #expect(connection != nil)
        #expect(library.status(connection) == CONNECTION_BAD)
        let message = library.errorMessage(connection).map { String(cString: $0) } ?? ""
        #expect(message.contains("nonexistent-socket-folder"))
        library.finish(connection)
        try PostgresConnection.loadClientLibrary()
    }

    @Test("a missing library is reported with its name and the package to install")
    func missingLibraryIsExplained() {
        guard case .failure(let error) = LibPQ.open("libpq-not-installed.so.5") else {
            Issue.record("a library that does not exist was loaded")
            return
        }
        #expect(error.description.contains("libpq-not-installed.so.5"))
        #expect(error.description.contains("apt-get install libpq5"))
    }

    @Test("a library without the libpq functions is refused, naming what is missing")
    func wrongLibraryIsRefused() {
        guard case .failure(let error) = LibPQ.open("libm.so.6") else {
            Issue.record("libm was taken for libpq")
            return
        }
        #expect(error.description.contains("PQconnectdbParams"))
        #expect(error.description.contains("PQcmdTuples"))
    }
}
