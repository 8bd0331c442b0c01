import Foundation
@testable import HTTPServer
import Configuration
import Protocols
import TestSupport
import Testing
import TestThreads
import SystemSupport

/// The HTTP server on real sockets: safe headers, access rules, bounds on requests, connections and slow clients.
@Suite(.onOwnThread) struct HTTPServerTests {
    /// A server on 127.0.0.1 (a port the system chooses) answering "hello" at /hello, echoing the body length at
    /// /echo, and a stream at /events fed by the test.
    final class Fixture: @unchecked Sendable {
        let server: HTTPServer
        let port: Int

        init(access: HTTPAccess = HTTPAccess(), limits: HTTPLimits = HTTPLimits(), streamBytes: Int = 4096,
             extra: [HTTPListenAddress] = []) throws {
            let box = StreamList()
            server = try HTTPServer(listen: [.tcp(host: "127.0.0.1", port: 0)] + extra, access: access, limits: limits) { request in
                switch request.path {
                case "/hello": return .text(200, "hello \(request.query["name"] ?? "")")
                case "/echo": return .text(200, "\(request.method) \(request.body.count)")
                case "/events":
                    let stream = EventStream(maximumBytes: streamBytes, keepAlive: 0.5)
                    box.append(stream)
                    return HTTPResponse(status: 200, contentType: "text/event-stream", body: .stream(stream))
                default: return .text(404, "not found")
                }
            }
            port = Int(server.addresses[0].split(separator: ":").last!)!
            streamsBox = box
        }
        private let streamsBox: StreamList
        var openedStreams: [EventStream] { streamsBox.all }

        deinit { server.close() }
    }

    @Test func everyAnswerCarriesTheSafeHeadersAndNoCORS() throws {
        let fixture = try Fixture()
        for path in ["/hello?name=x", "/nothing"] {
            let response = try HTTPProbe.get(fixture.port, path, headers: ["Origin": "https://evil.example"])
            #expect(response.headers["x-content-type-options"] == "nosniff")
            #expect(response.headers["x-frame-options"] == "DENY")
            #expect(response.headers["content-security-policy"]?.contains("script-src 'self'") == true)
            #expect(response.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            #expect(response.headers["access-control-allow-origin"] == nil)
            #expect(response.headers["cache-control"] == "no-store")
        }
        #expect(try HTTPProbe.get(fixture.port, "/hello?name=x").text == "hello x\n")
        #expect(try HTTPProbe.get(fixture.port, "/nothing").status == 404)
    }

    @Test func withoutCredentialsOnlyLocalHostNamesAreServed() throws {
        let fixture = try Fixture()
        for host in ["localhost", "127.0.0.1", "127.0.0.1:8180", "[::1]:8180", "localhost:1"] {
            #expect(try HTTPProbe.request(.tcp(port: fixture.port), "/hello", host: host).status == 200, "\(host)")
        }
        for host in ["evil.example", "evil.example:8180", "192.168.1.2", "127.0.0.1.evil.example"] {
            #expect(try HTTPProbe.request(.tcp(port: fixture.port), "/hello", host: host).status == 421, "\(host)")
        }
    }

    @Test func passwordAndTokenAreRequiredWhenSet() throws {
        let fixture = try Fixture(access: HTTPAccess(password: "s3cret", token: "t0ken-abc", openPaths: ["/echo"]))
        let refused = try HTTPProbe.get(fixture.port, "/hello")
        #expect(refused.status == 401)
        #expect(refused.headers["www-authenticate"]?.hasPrefix("Basic realm=") == true)
        #expect(try HTTPProbe.get(fixture.port, "/hello", headers: ["Authorization": HTTPProbe.basic(user: "any", password: "s3cret")]).status == 200)
        #expect(try HTTPProbe.get(fixture.port, "/hello", headers: ["Authorization": HTTPProbe.basic(user: "any", password: "s3cre")]).status == 401)
        #expect(try HTTPProbe.get(fixture.port, "/hello", headers: ["Authorization": HTTPProbe.basic(user: "any", password: "s3cret!")]).status == 401)
        #expect(try HTTPProbe.get(fixture.port, "/hello", headers: ["Authorization": "Bearer t0ken-abc"]).status == 200)
        #expect(try HTTPProbe.get(fixture.port, "/hello", headers: ["Authorization": "Bearer t0ken-abd"]).status == 401)
        #expect(try HTTPProbe.get(fixture.port, "/hello", headers: ["Authorization": "Bearer s3cret"]).status == 401)
        #expect(try HTTPProbe.get(fixture.port, "/hello", headers: ["Authorization": "Basic !!!"]).status == 401)
        // With credentials the Host is not the guard: any name works once authenticated.
        #expect(try HTTPProbe.request(.tcp(port: fixture.port), "/hello", headers: ["Authorization": "Bearer t0ken-abc"],
                                      host: "meter.example").status == 200)
        // An open path needs nothing.
        #expect(try HTTPProbe.get(fixture.port, "/echo").status == 200)
    }

    @Test func constantTimeComparisonAndBase64() {
        #expect(HTTPAccess.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!HTTPAccess.constantTimeEqual(Array("abd".utf8), Array("abc".utf8)))
        #expect(!HTTPAccess.constantTimeEqual(Array("ab".utf8), Array("abc".utf8)))
        #expect(!HTTPAccess.constantTimeEqual(Array("abcd".utf8), Array("abc".utf8)))
        #expect(!HTTPAccess.constantTimeEqual([], Array("a".utf8)))
        #expect(Base64.decode("dXNlcjpwdw==") == Array("user:pw".utf8))
        #expect(Base64.decode("dXNlcjpwdw=") == nil)
        #expect(Base64.decode("dXNl*jpw") == nil)
    }

    @Test func requestBodiesAndHeadersAreBounded() throws {
        var limits = HTTPLimits()
        limits.bodyBytes = 1000
        limits.requestMemory = 16 << 10
        let fixture = try Fixture(limits: limits)
        #expect(try HTTPProbe.request(.tcp(port: fixture.port), "/echo", method: "POST", body: Array(repeating: 65, count: 1000)).text == "POST 1000\n")
        #expect(try HTTPProbe.request(.tcp(port: fixture.port), "/echo", method: "POST", body: Array(repeating: 65, count: 5000)).status == 413)
        // Headers beyond the request memory: refused, not stored.
        let huge = try HTTPProbe.request(.tcp(port: fixture.port), "/hello", headers: ["X-Big": String(repeating: "y", count: 40_000)])
        #expect((400...499).contains(huge.status), "status \(huge.status)")
        // The server still answers.
        #expect(try HTTPProbe.get(fixture.port, "/hello").status == 200)
    }

    @Test func aClientSendingSlowlyIsCutOff() throws {
        var limits = HTTPLimits()
        limits.idleSeconds = 1
        let fixture = try Fixture(limits: limits)
        let slow = try HTTPConnection(.tcp(port: fixture.port))
        slow.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n")
        let started = Date()
        #expect(slow.closedByServer(within: 5))
        #expect(Date().timeIntervalSince(started) < 4)
    }

    @Test func connectionsAreBounded() throws {
        var limits = HTTPLimits()
        limits.connections = 4
        let fixture = try Fixture(limits: limits)
        var held = try (0..<4).map { _ in try HTTPConnection(.tcp(port: fixture.port)) }
        for connection in held { connection.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n") }
        usleep(200_000)
        // The fifth is accepted by the kernel and closed by the server at once.
        let fifth = try HTTPConnection(.tcp(port: fixture.port))
        #expect(fifth.closedByServer(within: 3))
        // Once the four hang up, there is room again.
        held.removeAll()
        #expect(eventually(timeout: 15) { (try? HTTPProbe.get(fixture.port, "/hello").status) == 200 })
    }

    @Test func aClientThatDoesNotReadIsDroppedAndTheProducerNeverWaits() throws {
        let fixture = try Fixture(streamBytes: 64 << 10)
        let reader = try HTTPConnection(.tcp(port: fixture.port))
        reader.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(eventually(timeout: 5) { fixture.openedStreams.count == 1 })
        let stream = fixture.openedStreams[0]
        let event = Array("event: x\ndata: \(String(repeating: "z", count: 1000))\n\n".utf8)
        // The client never reads: socket buffers fill, then the stream's 64 kB, then it is dropped. No send waits.
        let started = Date()
        var sent = 0
        while stream.send(event) { sent += 1 }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(stream.wasDropped)
        #expect(sent > 60)
        #expect(eventually(timeout: 5) { fixture.server.openStreams == 0 }, "the connection of a dropped client ends")
    }

    @Test func streamsDeliverEventsAndKeepAlivesAndEndOnClose() throws {
        let socketPath = NSTemporaryDirectory() + "http-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let fixture = try Fixture(extra: [.unix(path: socketPath)])
        #expect(FileManager.default.fileExists(atPath: socketPath))
        #expect(try HTTPProbe.request(.unix(path: socketPath), "/hello").status == 200)
        let client = try HTTPConnection(.tcp(port: fixture.port))
        client.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(eventually(timeout: 5) { fixture.openedStreams.count == 1 })
        fixture.openedStreams[0].send(Array("event: reading\ndata: {\"a\":1}\n\n".utf8))
        var received: [UInt8] = []
        #expect(eventually(timeout: 5) {
            received += client.receive()
            let text = String(decoding: received, as: UTF8.self)
            return text.contains("data: {\"a\":1}") && text.contains(": keep-alive")
        }, "\(String(decoding: received, as: UTF8.self))")
        #expect(String(decoding: received, as: UTF8.self).contains("text/event-stream"))
        let started = Date()
        fixture.server.close()
        #expect(Date().timeIntervalSince(started) < 3, "close ends the open stream")
        #expect(client.closedByServer(within: 2))
        #expect(!FileManager.default.fileExists(atPath: socketPath), "the unix socket is removed")
    }

    @Test func anAddressInUseIsNamed() throws {
        let fixture = try Fixture()
        #expect {
            _ = try HTTPServer(listen: [.tcp(host: "127.0.0.1", port: fixture.port)], access: HTTPAccess()) { _ in .text(200, "") }
        } throws: { error in
            "\(error)".contains("cannot listen on 127.0.0.1:\(fixture.port): Address already in use")
        }
    }
}

final class StreamList: @unchecked Sendable {
    private let lock = ConditionLock()
    private var streams: [EventStream] = []
    func append(_ stream: EventStream) { lock.withLock { streams.append(stream) } }
    var all: [EventStream] { lock.withLock { streams } }
}
