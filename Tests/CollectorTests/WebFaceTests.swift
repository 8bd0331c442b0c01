import Foundation
import Protocols
import TestSupport
import Testing
import TestThreads

/// The web face of a real collector: every endpoint, against a Fluvius and an E450 meter on pseudo-terminals.
@Suite(.onOwnThread, .serialized) struct WebFaceTests {
    static let fluviusSource = "1SAG3101021605"

    static func value(_ reading: [String: Any], obis: String) -> Any? {
        (reading["values"] as? [[String: Any]])?.first { $0["obis"] as? String == obis }?["value"]
    }

    @Test("meters, history, events, status, healthz and 404s of a collector reading two meters; a dropped frame and a sink that is down show in the status")
    func endpoints() throws {
        let web = try WebCollector(http: "stale_after = 5")
        // No reading yet: not healthy, and it says which reader.
        let before = try web.get("/healthz")
        #expect(before.status == 503)
        #expect(before.text.contains("reader0: no reading yet"), "\(before.text)")
        #expect((try web.json("/api/v1/meters") as? [Any])?.isEmpty == true)

        // An event-stream client, connected before the readings.
        let events = try HTTPConnection(.tcp(port: web.port))
        events.send("GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(eventually(timeout: 5) {
            (try? web.json("/api/v1/status") as? [String: Any]).flatMap { ($0["web"] as? [String: Any])?["event_clients"] as? Int } == 1
        })

        try web.sendFluvius(7)
        try web.sendE450()
        #expect(eventually(timeout: 10) { (try? web.json("/api/v1/meters") as? [Any])?.count == 2 })
        let meters = try #require(try web.json("/api/v1/meters") as? [[String: Any]])
        let fluvius = try #require(meters.first { $0["source"] as? String == Self.fluviusSource })
        #expect(Self.value(fluvius, obis: "1-0:1.7.0*255") as? Double == 7)
        let e450 = try #require(meters.first { $0["source"] as? String == LGE450Capture.source })
        LGE450Capture.expectJSON(e450)

        // The event stream got both readings, as the decode JSON.
        var streamed: [UInt8] = []
        #expect(eventually(timeout: 5) {
            streamed += events.receive()
            let text = String(decoding: streamed, as: UTF8.self)
            return text.contains("\"source\":\"\(Self.fluviusSource)\"") && text.contains("\"source\":\"\(LGE450Capture.source)\"")
        }, "\(String(decoding: streamed, as: UTF8.self))")
        #expect(String(decoding: streamed, as: UTF8.self).contains("event: reading\ndata: {"))

        #expect(try web.get("/healthz").status == 200)

        // History: the raw ring for an hour, the per-minute ring beyond; bad arguments named.
        let history = try #require(try web.json("/api/v1/meters/\(Self.fluviusSource)/history?minutes=60") as? [String: Any])
        #expect(history["resolution_seconds"] as? Int == 1)
        let points = try #require(history["points"] as? [[Any]])
        #expect(points.count == 1)
        #expect(points.first?[1] as? Double == 7)
        #expect((try web.json("/api/v1/meters/\(Self.fluviusSource)/history?minutes=1440") as? [String: Any])?["resolution_seconds"] as? Int == 60)
        #expect(try web.get("/api/v1/meters/\(Self.fluviusSource)/history?minutes=0").status == 400)
        #expect(try web.get("/api/v1/meters/\(Self.fluviusSource)/history?minutes=abc").status == 400)
        #expect(try web.get("/api/v1/meters/nobody/history").status == 404)
        #expect(try web.get("/nothing").status == 404)
        #expect(try HTTPProbe.request(.tcp(port: web.port), "/api/v1/meters", method: "DELETE").status == 405)

        // A corrupt telegram: counted with its reason, shown as the reader's last drop.
        try web.sendCorruptFluvius()
        #expect(eventually(timeout: 5) {
            let status = try? web.json("/api/v1/status") as? [String: Any]
            let reader0 = (status?["readers"] as? [[String: Any]])?.first
            return (reader0?["dropped_by_reason"] as? [String: Int])?[DropReason.telegramChecksum.rawValue] == 1
        })
        let status = try #require(try web.json("/api/v1/status") as? [String: Any])
        let readers = try #require(status["readers"] as? [[String: Any]])
        #expect(readers.map { $0["name"] as? String } == ["reader0", "reader1"])
        #expect(readers[0]["readings"] as? Int == 1)
        #expect(readers[0]["frames"] as? Int == 1)
        #expect((readers[0]["last_drop"] as? String)?.contains("bad P1 telegram checksum") == true)
        #expect(readers[1]["meter"] as? String == "lge450")
        let sinks = try #require(status["sinks"] as? [[String: Any]])
        #expect(sinks.map { $0["name"] as? String } == ["sink0", "sink1", "http"])
        #expect(sinks[0]["written"] as? Int == 2)
        #expect(sinks[0]["connected"] is NSNull, "a file sink has no connection")
        #expect(sinks[1]["connected"] as? Bool == false)
        #expect((sinks[1]["failure"] as? String)?.contains("Connection refused") == true, "\(sinks[1])")
        #expect((sinks[1]["spooled_bytes"] as? Int ?? 0) > 0, "the readings wait in the spool")

        // Nothing for longer than stale_after: not healthy, with the age.
        // Both readers go stale, each stale_after after its own last reading (reader1's came first).
        #expect(eventually(timeout: 10) {
            let health = try? web.get("/healthz")
            return health?.status == 503 && health?.text.contains("reader0: last reading") == true
        })
        let stale = try web.get("/healthz")
        #expect(stale.text.contains("reader0: last reading"), "\(stale.text)")
        #expect(stale.text.contains("expected within 5 s"), "\(stale.text)")
        #expect(web.readingsWritten() == 2)

        // The meter's adapter unplugged: the reader says why it has nothing.
        web.fluvius.unplug()
        #expect(eventually(timeout: 10) { (try? web.get("/healthz").text.contains("reader0: last reading"))  == true
            && (try? web.get("/healthz").text.contains("lost \(web.fluvius.meter)")) == true },
                "\((try? web.get("/healthz").text) ?? "")")
    }

    @Test("/metrics: counters per reader and sink, last reading times, latest values as labelled gauges; promtool accepts it; hostile meter ids are escaped")
    func metrics() throws {
        // reader2 carries an id with a quote, a backslash and markup: the label must be escaped, the JSON too.
        let hostile = #"<img src=x onerror=alert(1)>"\x"#
        let web = try WebCollector(extraReader: "id = \(hostile)")
        try web.sendFluvius(42)
        try web.sendE450()
        try web.sendE450(to: web.extra)
        try web.sendCorruptFluvius()
        #expect(eventually(timeout: 10) { (try? web.json("/api/v1/meters") as? [Any])?.count == 3 })
        #expect(eventually(timeout: 10) { web.readingsWritten() == 3 }, "the JSON-lines sink has written all three")
        #expect(eventually(timeout: 5) { (try? web.get("/metrics").text.contains("reason=\"telegramChecksum\"} 1")) == true })
        let response = try web.get("/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = response.text
        for line in [
            #"smartmeter_reader_frames_total{reader="reader0"} 1"#,
            #"smartmeter_reader_readings_total{reader="reader1"} 1"#,
            #"smartmeter_reader_dropped_total{reader="reader0",reason="telegramChecksum"} 1"#,
            #"smartmeter_sink_written_total{sink="sink0",type="jsonl"} 3"#,
            #"smartmeter_sink_connected{sink="sink1",type="mqttjson"} 0"#,
            #"smartmeter_value{meter="1SAG3101021605",obis="1-0:1.7.0*255",type="ACTIVE_POWER_P",unit="W"} 42"#,
            #"smartmeter_value{meter="LGZ1030653520967",obis="1-0:32.7.0*255",type="VOLTAGE_L1",unit="V"} 236"#,
            #"smartmeter_value{meter="<img src=x onerror=alert(1)>\"\\x",obis="1-0:1.7.0*255",type="ACTIVE_POWER_P",unit="W"} 28"#,
            #"smartmeter_meter_last_reading_timestamp_seconds{meter="LGZ1030653520967"} 1777887561"#,
        ] {
            #expect(text.contains(line + "\n"), "\(line)\nnot in:\n\(text)")
        }
        #expect(text.contains(#"smartmeter_sink_spooled_bytes{sink="sink1",type="mqttjson"} "#))
        let file = web.directory.file("metrics.txt")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try Shell.run("/bin/sh", ["-c", "promtool check metrics < \(file)"])
        #expect(check.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool: \(check)")
        // The JSON keeps the id as data.
        let meters = try #require(try web.json("/api/v1/meters") as? [[String: Any]])
        #expect(meters.contains { $0["source"] as? String == hostile })
    }

    @Test("beyond loopback: every request needs the password or the token (except /healthz); neither is logged")
    func authenticationBeyondLoopback() throws {
        let port = FreePort.find()
        let web = try WebCollector(http: "listen = 0.0.0.0:\(port)\npassword = pa55-word\ntoken = t0k3n-xyz", arguments: ["--dev"])
        try web.sendFluvius(3)
        for path in ["/", "/api/v1/meters", "/api/v1/status", "/api/v1/events", "/metrics", "/app.js"] {
            let refused = try HTTPProbe.get(port, path)
            #expect(refused.status == 401, "\(path)")
            #expect(refused.headers["www-authenticate"]?.hasPrefix("Basic") == true)
            #expect(try HTTPProbe.get(port, path, headers: ["Authorization": "Bearer wrong"]).status == 401, "\(path)")
        }
        #expect(try HTTPProbe.get(port, "/metrics", headers: ["Authorization": "Bearer t0k3n-xyz"]).status == 200)
        #expect(try HTTPProbe.get(port, "/api/v1/meters", headers: ["Authorization": HTTPProbe.basic(user: "me", password: "pa55-word")]).status == 200)
        #expect(try HTTPProbe.get(port, "/api/v1/meters", headers: ["Authorization": HTTPProbe.basic(user: "me", password: "pa55-wordX")]).status == 401)
        // From another name than localhost, with credentials: served (the Host check is for the password-less case).
        #expect(try HTTPProbe.request(.tcp(port: port), "/api/v1/status", headers: ["Authorization": "Bearer t0k3n-xyz"],
                                      host: "meter.example:\(port)").status == 200)
        // /healthz stays open for monitors.
        #expect(eventually(timeout: 5) { (try? HTTPProbe.get(port, "/healthz").status) != nil })
        web.stop()
        let log = web.collector.stderr.contents
        #expect(log.contains("password or token required"))
        #expect(log.contains("[http] password = (set)"), "--dev shows that it is set, not what it is")
        #expect(!log.contains("pa55-word") && !log.contains("t0k3n-xyz"))
    }

    @Test("the page, its script and style, and Chart.js from libjs-chart.js are served with a policy that allows this origin only")
    func pageAndAssets() throws {
        let web = try WebCollector()
        let page = try web.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains(#"<script src="app.js" defer></script>"#))
        #expect(page.text.contains(#"<script src="javascript/chart.js/chart.min.js" defer></script>"#))
        #expect(!page.text.contains("http://") && !page.text.contains("https://"), "nothing loads from elsewhere")
        let policy = try #require(page.headers["content-security-policy"])
        #expect(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'") && !policy.contains("unsafe"))
        let script = try web.get("/app.js")
        #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(!script.text.contains("innerHTML"), "meter data reaches the page through textContent only")
        #expect(try web.get("/app.css").status == 200)
        let chart = try web.get("/javascript/chart.js/chart.min.js")
        #expect(chart.status == 200)
        #expect(chart.body == [UInt8](FileManager.default.contents(atPath: "/usr/share/javascript/chart.js/chart.min.js") ?? Data()))
        #expect(try web.get("/javascript/chart.js/../../../etc/passwd").status == 404)
    }
}
