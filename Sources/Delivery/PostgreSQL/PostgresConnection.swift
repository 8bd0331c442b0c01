import FoundationEssentials
import Glibc
internal import CLibPQ
import Protocols

/// One libpq connection (`PGconn`). Statements are parameterised (`$1`, `$2`, ... sent as text values, never
/// spliced into the SQL); results come back as text. Not thread-safe: one thread uses a connection at a time.
public final class PostgresConnection {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The server's or libpq's message, first line and detail.
        public let description: String
        /// The five-character SQLSTATE when the server sent one (`28P01` wrong password, `3D000` no such database).
        public let sqlState: String?
        /// The connection is gone (server stopped, network): reconnect before retrying.
        public let connectionLost: Bool

        /// The server refused the data itself, so sending it again cannot help: SQLSTATE class 22 (data exception:
        /// out of range, bad encoding), 23 (integrity constraint) or 54 (program limit: an index row too large).
        public var isDataError: Bool {
            guard let sqlState, !connectionLost else { return false }
            return sqlState.hasPrefix("22") || sqlState.hasPrefix("23") || sqlState.hasPrefix("54")
        }
    }

    private var handle: OpaquePointer?
    private let pq: LibPQ
    /// `host=... port=... dbname=...` as connected, secrets as `***`: for messages.
    public let address: String
    /// The values not shown (passwords, and every value of a keyword not known to be harmless): removed from every
    /// message of libpq or the server before it leaves this type.
    private let secrets: [String]

    /// Connects with libpq keywords (`host`, `port`, `dbname`, `user`, `password`, `sslmode`, `connect_timeout`, ...);
    /// a `dbname` holding a URI or `key=value` string is expanded as libpq does.
    /// Throws when libpq cannot be loaded (see `LibPQ`), cannot read the connection string or the connection fails.
    public init(keywords: [(String, String)]) throws(Failure) {
        pq = try Self.clientLibrary()
        var secrets: [String] = [], shown: [String] = []
        for (keyword, value) in keywords {
            // A database name with a blank is read as a connection string too: `password s3cret` lost its `=` and
            // would come back quoted in the server's "database ... does not exist".
            if keyword == "dbname" && (PostgresConnectionString.isConnectionString(value) || value.contains(where: \.isWhitespace)) {
                let parsed: PostgresConnectionString
                do {
                    parsed = try PostgresConnectionString(parsing: value)
                } catch {
                    throw Failure(description: error.description, sqlState: nil, connectionLost: true)
                }
                secrets += parsed.secrets
                shown.append(parsed.display)
            } else if PostgresConnectionString.shownKeywords.contains(keyword) {
                shown.append("\(keyword)=\(value)")
            } else {
                secrets.append(value)
                shown.append("\(keyword)=***")
            }
        }
        self.secrets = secrets
        address = shown.joined(separator: " ")
        let names = keywords.map { strdup($0.0) } + [nil]
        let values = keywords.map { strdup($0.1) } + [nil]
        defer {
            names.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { namePointers in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
                pq.connectdbParams(namePointers.baseAddress, valuePointers.baseAddress, 1)
            }
        }
        guard let connection else { throw Failure(description: "out of memory", sqlState: nil, connectionLost: true) }
        guard pq.status(connection) == CONNECTION_OK else {
            let message = Self.scrubbed(pq.errorMessage(connection), secrets)
            pq.finish(connection)
            throw Failure(description: message, sqlState: nil, connectionLost: true)
        }
        handle = connection
        _ = pq.setNoticeReceiver(connection, { _, _ in }, nil)
    }

    /// Loads libpq, the PostgreSQL client library, if that has not happened yet (the first connection does it
    /// otherwise); throws when it is not installed, with what to install. A collector with a PostgreSQL sink calls
    /// it at start so that a missing library stops it there rather than at every reconnection.
    public static func loadClientLibrary() throws(Failure) {
        _ = try clientLibrary()
    }

    private static func clientLibrary() throws(Failure) -> LibPQ {
        switch LibPQ.shared {
        case .success(let library): return library
        case .failure(let error): throw Failure(description: error.description, sqlState: nil, connectionLost: false)
        }
    }

    deinit {
        assert(handle == nil, "PostgresConnection released without close()")
        close()
    }

    /// Idempotent.
    public func close() {
        if let handle { pq.finish(handle) }
        handle = nil
    }

    public var isConnected: Bool {
        guard let handle else { return false }
        return pq.status(handle) == CONNECTION_OK
    }

    /// `15.4` and so on.
    public var serverVersion: String {
        guard let handle else { return "?" }
        let number = Int(pq.serverVersion(handle))
        return "\(number / 10_000).\(number % 10_000)"
    }

    /// Runs one statement and returns its rows (text values, nil for NULL).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(Failure) -> [[String?]] {
        guard let handle else { throw Failure(description: "connection closed", sqlState: nil, connectionLost: true) }
        let result = Self.withCStrings(parameters) { pointers in
            pq.execParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
        defer { pq.clear(result) }
        try check(result)
        var rows: [[String?]] = []
        let count = pq.ntuples(result), columns = pq.nfields(result)
        rows.reserveCapacity(Int(count))
        for row in 0..<count {
            rows.append(values(result, row: row, columns: columns))
        }
        return rows
    }

    /// Runs one statement (INSERT, UPDATE, DELETE, ...) and returns the number of rows it affected.
    @discardableResult
    public func command(_ sql: String, _ parameters: [String?] = []) throws(Failure) -> Int {
        guard let handle else { throw Failure(description: "connection closed", sqlState: nil, connectionLost: true) }
        let result = Self.withCStrings(parameters) { pointers in
            pq.execParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
        defer { pq.clear(result) }
        try check(result)
        return pq.cmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
    }

    /// Runs `COPY table (columns) FROM STDIN` with `data` (COPY's text format, built by the caller) and returns the
    /// number of rows copied. A row the server refuses fails the whole COPY (and the transaction it is in).
    @discardableResult
    public func copy(_ sql: String, data: OutputBytes) throws(Failure) -> Int {
        guard let handle else { throw Failure(description: "connection closed", sqlState: nil, connectionLost: true) }
        let started = pq.execParams(handle, sql, 0, nil, nil, nil, nil, 0)
        defer { pq.clear(started) }
        guard pq.resultStatus(started) == PGRES_COPY_IN else {
            try check(started)
            throw Failure(description: "the server did not start COPY", sqlState: nil, connectionLost: false)
        }
        let sent = data.withBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let length = min(bytes.count - offset, 1 << 20)
                let pointer = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                guard pq.putCopyData(handle, pointer, Int32(length)) == 1 else { return false }
                offset += length
            }
            return true
        }
        guard pq.putCopyEnd(handle, sent ? nil : "client failed to send the data") == 1 else { throw failure(nil) }
        // The outcome, then nil; every result is read so that the connection stays usable.
        var firstFailure: Failure?
        var copied = 0
        while let result = pq.getResult(handle) {
            defer { pq.clear(result) }
            guard firstFailure == nil else { continue }
            do {
                try check(result)
                copied += pq.cmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
            } catch {
                firstFailure = error
            }
        }
        if let firstFailure { throw firstFailure }
        if !sent { throw failure(nil) }
        return copied
    }

    /// Runs a query and hands its rows one at a time (libpq's single-row mode), for results too large to hold.
    public func stream(_ sql: String, _ parameters: [String?] = [], row: ([String?]) throws -> Void) throws {
        guard let handle else { throw Failure(description: "connection closed", sqlState: nil, connectionLost: true) }
        let sent = Self.withCStrings(parameters) { pointers in
            pq.sendQueryParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
        guard sent == 1 else { throw failure(nil) }
        _ = pq.setSingleRowMode(handle)
        var firstError: Error?
        while let result = pq.getResult(handle) {
            defer { pq.clear(result) }
            guard firstError == nil else { continue }
            do {
                try check(result)
                guard pq.resultStatus(result) == PGRES_SINGLE_TUPLE else { continue }
                try row(values(result, row: 0, columns: pq.nfields(result)))
            } catch {
                // Drain the remaining results so the connection stays usable.
                firstError = error
            }
        }
        if let firstError { throw firstError }
    }

    /// One row of a result as text values, nil for NULL.
    private func values(_ result: OpaquePointer?, row: Int32, columns: Int32) -> [String?] {
        (0..<columns).map { column in
            pq.getisnull(result, row, column) == 1 ? nil : pq.getvalue(result, row, column).map { String(cString: $0) } ?? ""
        }
    }

    private func check(_ result: OpaquePointer?) throws(Failure) {
        switch pq.resultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE: return
        default: throw failure(result)
        }
    }

    private func failure(_ result: OpaquePointer?) -> Failure {
        var message = result.map { Self.scrubbed(pq.resultErrorMessage($0), secrets) } ?? ""
        if message.isEmpty, let handle { message = Self.scrubbed(pq.errorMessage(handle), secrets) }
        let state = result.flatMap { pq.resultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        let lost = !isConnected || state?.hasPrefix("08") == true || state == "57P01" || state == "57P02" || state == "57P03"
        return Failure(description: message.isEmpty ? "unknown libpq error" : message, sqlState: state, connectionLost: lost)
    }

    /// A message of libpq or the server on one line, without any of `secrets`.
    private static func scrubbed(_ pointer: UnsafePointer<CChar>?, _ secrets: [String]) -> String {
        guard let pointer else { return "" }
        let text = PostgresConnectionString.scrub(String(cString: pointer), secrets: secrets)
        return text.trimmed.replacing("\n", with: "; ")
    }

    private static func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let copies = strings.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

/// PostgreSQL array literals (`{"a","b",NULL}`): how a batch of values travels as one text parameter.
public enum PostgresArray {
    public static func literal<S: Sequence>(_ items: S) -> String where S.Element == String? {
        var out = "{"
        var first = true
        for item in items {
            if !first { out.append(",") }
            first = false
            guard let item else {
                out.append("NULL")
                continue
            }
            out.append("\"")
            for character in item.unicodeScalars {
                if character == "\"" || character == "\\" { out.append("\\") }
                out.unicodeScalars.append(character)
            }
            out.append("\"")
        }
        out.append("}")
        return out
    }
}
