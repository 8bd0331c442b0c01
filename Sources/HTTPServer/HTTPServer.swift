internal import CMicroHTTPD
import Glibc
import Configuration
import SystemSupport

/// Bounds of the server: connections at once (each has a thread while open), seconds a connection may stay idle
/// (a client sending its request slowly is cut off), memory for one request's line and headers, the body size,
/// and each connection thread's stack.
public struct HTTPLimits: Sendable {
    public var connections = 128
    public var idleSeconds = 30
    public var requestMemory = 32 << 10
    public var bodyBytes = 64 << 10
    public var threadStack = 512 << 10

    public init() {}
}

/// A small HTTP/1.1 server on libmicrohttpd: one daemon per `listen` entry, a thread per connection (so that an
/// event stream blocks only its own), `HTTPAccess` checked before the handler, `HTTPResponse.safeHeaders` on every
/// answer. The handler runs on the connection's thread and must not block for long. `close()` ends every event
/// stream and waits for the connection threads.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    public let limits: HTTPLimits
    /// The addresses bound, with the ports chosen for port 0.
    public private(set) var addresses: [String] = []
    private let access: HTTPAccess
    private let handler: Handler
    private var daemons: [OpaquePointer] = []
    private var socketPaths: [String] = []
    private let lock = ConditionLock()
    private var streams: [ObjectIdentifier: EventStream] = [:]
    private var closed = false

    public init(listen: [HTTPListenAddress], access: HTTPAccess, limits: HTTPLimits = HTTPLimits(),
                handler: @escaping Handler) throws(HTTPServerError) {
        self.limits = limits
        self.access = access
        self.handler = handler
        var sockets: [ListeningSocket] = []
        do {
            for address in listen {
                sockets.append(try ListeningSocket(address))
                if case .unix(let path) = address { socketPaths.append(path) }
            }
        } catch {
            sockets.forEach { Glibc.close($0.descriptor) }
            throw error
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        for socket in sockets {
            guard let daemon = smartmeter_mhd_start(socket.descriptor, UInt32(limits.connections), UInt32(limits.idleSeconds),
                                                    limits.requestMemory, limits.threadStack, accessHandler, context,
                                                    requestCompleted, context) else {
                close()
                sockets.forEach { Glibc.close($0.descriptor) }
                throw HTTPServerError("cannot start the HTTP server on \(socket.address)")
            }
            daemons.append(daemon)
            addresses.append(socket.address)
        }
    }

    deinit {
        precondition(daemons.isEmpty, "HTTPServer.close() not called")
    }

    /// Ends every event stream, stops accepting, waits for the connection threads, removes unix sockets.
    /// Idempotent.
    public func close() {
        let open: [EventStream] = lock.withLock {
            closed = true
            return Array(streams.values)
        }
        open.forEach { $0.close() }
        for daemon in daemons { MHD_stop_daemon(daemon) }
        daemons = []
        for path in socketPaths { unlink(path) }
        socketPaths = []
    }

    /// Event streams being written to clients.
    public var openStreams: Int { lock.withLock { streams.count } }

    // MARK: Requests (on connection threads)

    fileprivate func handle(_ connection: OpaquePointer, url: String, method: String,
                            upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
                            state: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let raw = state.pointee else {
            state.pointee = Unmanaged.passRetained(RequestState()).toOpaque()
            return .YES
        }
        let request = Unmanaged<RequestState>.fromOpaque(raw).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            if let upload, request.body.count + uploadSize.pointee <= limits.bodyBytes {
                request.body.append(contentsOf: UnsafeRawBufferPointer(start: upload, count: uploadSize.pointee))
            } else {
                request.tooLarge = true
            }
            uploadSize.pointee = 0
            return .YES
        }
        var headers: [String: String] = [:]
        var query: [String: String] = [:]
        _ = withUnsafeMutablePointer(to: &headers) { MHD_get_connection_values(connection, .HEADER_KIND, collectValue, $0) }
        _ = withUnsafeMutablePointer(to: &query) { MHD_get_connection_values(connection, .GET_ARGUMENT_KIND, collectValue, $0) }
        let incoming = HTTPRequest(method: method, path: url, query: query,
                                   headers: Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a }),
                                   body: request.body)
        let response: HTTPResponse
        if request.tooLarge {
            response = .text(413, "request body larger than \(limits.bodyBytes) bytes")
        } else if let refusal = access.refusal(of: incoming) {
            response = refusal
        } else {
            response = handler(incoming)
        }
        return queue(response, on: connection)
    }

    private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        let created: OpaquePointer?
        switch response.body {
        case .bytes(let bytes):
            // (An empty array may have no storage; libmicrohttpd wants a pointer even for no bytes.)
            let storage = bytes.isEmpty ? [0] : bytes
            created = storage.withUnsafeBytes { buffer in
                MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress!),
                                                MHD_ResponseMemoryMode(rawValue: 2)!)  // MHD_RESPMEM_MUST_COPY
            }
        case .stream(let stream):
            let admitted: Bool = lock.withLock {
                guard !closed else { return false }
                streams[ObjectIdentifier(stream)] = stream
                return true
            }
            guard admitted else { return queue(.text(503, "shutting down"), on: connection) }
            let box = Unmanaged.passRetained(StreamBox(stream, server: self))
            created = MHD_create_response_from_callback(UInt64.max, 4096, readStream, box.toOpaque(), freeStream)
            if created == nil {
                box.release()
                streamEnded(stream)
            }
        }
        guard let created else { return .NO }
        defer { MHD_destroy_response(created) }
        MHD_add_response_header(created, "Content-Type", response.contentType)
        for (name, value) in HTTPResponse.safeHeaders + response.headers {
            // Header values are ours; a line break would split the response, so none gets through.
            guard !value.contains(where: { $0 == "\r" || $0 == "\n" }) else { continue }
            MHD_add_response_header(created, name, value)
        }
        return MHD_queue_response(connection, UInt32(response.status), created)
    }

    fileprivate func streamEnded(_ stream: EventStream) {
        lock.withLock { _ = streams.removeValue(forKey: ObjectIdentifier(stream)) }
        stream.ended()
    }
}

/// What arrives of one request between the calls of the access handler.
private final class RequestState {
    var body: [UInt8] = []
    var tooLarge = false
}

/// An event stream with its server, handed to libmicrohttpd as the content reader's context.
private final class StreamBox {
    let stream: EventStream
    unowned let server: HTTPServer
    init(_ stream: EventStream, server: HTTPServer) {
        self.stream = stream
        self.server = server
    }
}

private let accessHandler: MHD_AccessHandlerCallback = { context, connection, url, method, _, upload, uploadSize, state in
    let server = Unmanaged<HTTPServer>.fromOpaque(context!).takeUnretainedValue()
    return server.handle(connection!, url: String(cString: url!), method: String(cString: method!), upload: upload,
                         uploadSize: uploadSize!, state: state!)
}

private let requestCompleted: MHD_RequestCompletedCallback = { _, _, state, _ in
    if let raw = state?.pointee {
        Unmanaged<RequestState>.fromOpaque(raw).release()
        state!.pointee = nil
    }
}

private let collectValue: MHD_KeyValueIterator = { context, _, key, value in
    guard let key, let value else { return .YES }
    let values = context!.assumingMemoryBound(to: [String: String].self)
    let name = String(cString: key)
    if values.pointee[name] == nil { values.pointee[name] = String(cString: value) }
    return .YES
}

private let readStream: MHD_ContentReaderCallback = { context, _, buffer, capacity in
    let box = Unmanaged<StreamBox>.fromOpaque(context!).takeUnretainedValue()
    let count = box.stream.read(into: buffer!, capacity: capacity)
    return count < 0 ? smartmeter_mhd_end_of_stream() : count
}

private let freeStream: MHD_ContentReaderFreeCallback = { context in
    let box = Unmanaged<StreamBox>.fromOpaque(context!).takeRetainedValue()
    box.server.streamEnded(box.stream)
}
