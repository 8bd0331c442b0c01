import Glibc
internal import CLibPQ

/// The libpq functions the PostgreSQL sink uses, loaded with `dlopen` the first time a connection is made.
///
/// Why not link libpq: it brings about twenty libraries with it (GnuTLS, Kerberos, LDAP, SASL, p11-kit, ...), which
/// the dynamic loader maps and relocates at every start, 3.3 MB of resident memory and part of the start-up time,
/// for the few installations that write to PostgreSQL. Now a collector without a PostgreSQL sink never loads it.
/// The Debian package still depends on libpq5 (debian/control names it, since dpkg-shlibdeps cannot see a dlopen).
/// The types come from libpq-fe.h (the CLibPQ module, which does not link the library).
struct LibPQ: Sendable {
    typealias ConnectParams = @convention(c) (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?,
                                              Int32) -> OpaquePointer?
    typealias Status = @convention(c) (OpaquePointer?) -> ConnStatusType
    typealias ConnectionText = @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    typealias ConnectionInt = @convention(c) (OpaquePointer?) -> Int32
    typealias Finish = @convention(c) (OpaquePointer?) -> Void
    typealias SetNoticeReceiver = @convention(c) (OpaquePointer?, PQnoticeReceiver?, UnsafeMutableRawPointer?)
        -> PQnoticeReceiver?
    typealias ExecParams = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?,
                                           UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
                                           UnsafePointer<Int32>?, Int32) -> OpaquePointer?
    typealias SendQueryParams = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?,
                                                UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
                                                UnsafePointer<Int32>?, Int32) -> Int32
    typealias NextResult = @convention(c) (OpaquePointer?) -> OpaquePointer?
    typealias ResultStatus = @convention(c) (OpaquePointer?) -> ExecStatusType
    typealias ResultInt = @convention(c) (OpaquePointer?) -> Int32
    typealias ResultText = @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    typealias ResultField = @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?
    typealias CellInt = @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    typealias CellText = @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
    typealias ConninfoParse = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
        -> UnsafeMutablePointer<PQconninfoOption>?
    typealias ConninfoFree = @convention(c) (UnsafeMutablePointer<PQconninfoOption>?) -> Void
    typealias FreeMemory = @convention(c) (UnsafeMutableRawPointer?) -> Void
    typealias PutCopyData = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32
    typealias PutCopyEnd = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32

    /// Why libpq could not be loaded; says what to install.
    struct LoadError: Error, CustomStringConvertible, Sendable {
        let description: String
    }

    /// The soname of libpq 10 and later (Debian's libpq5).
    static let soname = "libpq.so.5"

    /// libpq, loaded on first use (thread-safe: a global's initialiser runs once).
    static let shared: Result<LibPQ, LoadError> = open(soname)

    let connectdbParams: ConnectParams
    let status: Status
    let errorMessage: ConnectionText
    let finish: Finish
    let setNoticeReceiver: SetNoticeReceiver
    let serverVersion: ConnectionInt
    let execParams: ExecParams
    let sendQueryParams: SendQueryParams
    let setSingleRowMode: ConnectionInt
    let getResult: NextResult
    let clear: Finish
    let resultStatus: ResultStatus
    let resultErrorMessage: ResultText
    let resultErrorField: ResultField
    let ntuples: ResultInt
    let nfields: ResultInt
    let getisnull: CellInt
    let getvalue: CellText
    let cmdTuples: ResultText
    let conninfoParse: ConninfoParse
    let conninfoFree: ConninfoFree
    let freemem: FreeMemory
    let putCopyData: PutCopyData
    let putCopyEnd: PutCopyEnd

    /// Loads `library` (a soname or a path) and resolves every function; the library stays loaded for the
    /// process's lifetime.
    static func open(_ library: String) -> Result<LibPQ, LoadError> {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            return .failure(LoadError(description: "cannot load \(library), the PostgreSQL client library (\(reason)); "
                                      + "install it: apt-get install libpq5"))
        }
        let names = ["PQconnectdbParams", "PQstatus", "PQerrorMessage", "PQfinish", "PQsetNoticeReceiver",
                     "PQserverVersion", "PQexecParams", "PQsendQueryParams", "PQsetSingleRowMode", "PQgetResult",
                     "PQclear", "PQresultStatus", "PQresultErrorMessage", "PQresultErrorField", "PQntuples",
                     "PQnfields", "PQgetisnull", "PQgetvalue", "PQcmdTuples", "PQconninfoParse", "PQconninfoFree",
                     "PQfreemem", "PQputCopyData", "PQputCopyEnd"]
        let missing = names.filter { dlsym(handle, $0) == nil }
        guard missing.isEmpty else {
            dlclose(handle)
            return .failure(LoadError(description: "\(library) lacks \(missing.joined(separator: ", ")): "
                                      + "a libpq older than PostgreSQL 10?"))
        }
        func function<F>(_ name: String) -> F { unsafeBitCast(dlsym(handle, name)!, to: F.self) }
        return .success(LibPQ(
            connectdbParams: function("PQconnectdbParams"), status: function("PQstatus"),
            errorMessage: function("PQerrorMessage"), finish: function("PQfinish"),
            setNoticeReceiver: function("PQsetNoticeReceiver"), serverVersion: function("PQserverVersion"),
            execParams: function("PQexecParams"), sendQueryParams: function("PQsendQueryParams"),
            setSingleRowMode: function("PQsetSingleRowMode"), getResult: function("PQgetResult"),
            clear: function("PQclear"), resultStatus: function("PQresultStatus"),
            resultErrorMessage: function("PQresultErrorMessage"), resultErrorField: function("PQresultErrorField"),
            ntuples: function("PQntuples"), nfields: function("PQnfields"), getisnull: function("PQgetisnull"),
            getvalue: function("PQgetvalue"), cmdTuples: function("PQcmdTuples"),
            conninfoParse: function("PQconninfoParse"), conninfoFree: function("PQconninfoFree"),
            freemem: function("PQfreemem"), putCopyData: function("PQputCopyData"),
            putCopyEnd: function("PQputCopyEnd")))
    }
}
