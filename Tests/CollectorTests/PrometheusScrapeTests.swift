import Foundation
import Protocols
import TestSupport
import Testing
import TestThreads

/// A real Prometheus (Debian's `prometheus`) scrapes the collector's /metrics with the bearer token, and its query
/// API returns the series.
@Suite(.onOwnThread) struct PrometheusScrapeTests {
    static let installed = FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")

    @Test("Prometheus scrapes /metrics with the token; its query API returns the meter's values and the reader counters",
          .enabled(if: installed, "needs Debian's prometheus package"))
    func prometheusScrapes() throws {
        let web = try WebCollector(http: "token = scrape-t0ken")
        try web.sendFluvius(42)
        try web.sendE450()
        #expect(eventually(timeout: 10) { web.readingsWritten() == 2 })

        let prometheusPort = FreePort.find()
        let config = try web.directory.write("prometheus.yml", """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: smartmeter
                scrape_interval: 1s
                authorization:
                  credentials: scrape-t0ken
                static_configs:
                  - targets: ['127.0.0.1:\(web.port)']
            """)
        let log = web.directory.file("prometheus.log")
        let pid = try ChildProcess.spawn(["/usr/bin/prometheus", "--config.file=\(config)",
                                          "--storage.tsdb.path=\(web.directory.file("tsdb"))",
                                          "--web.listen-address=127.0.0.1:\(prometheusPort)"], log: log)
        defer { ChildProcess.signalAndWait(pid, SIGTERM) }

        func query(_ expression: String) -> [[String: Any]]? {
            let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            guard let response = try? HTTPProbe.get(prometheusPort, "/api/v1/query?query=\(encoded)"), response.status == 200,
                  let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let data = json["data"] as? [String: Any] else { return nil }
            return data["result"] as? [[String: Any]]
        }
        func sampleValue(_ series: [String: Any]) -> String? { (series["value"] as? [Any])?.last as? String }

        let power = #"smartmeter_value{meter="1SAG3101021605",obis="1-0:1.7.0*255"}"#
        #expect(eventually(timeout: 30) { query(power)?.isEmpty == false },
                "no series; prometheus log:\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let series = try #require(query(power)?.first)
        #expect(sampleValue(series) == "42")
        let labels = try #require(series["metric"] as? [String: String])
        #expect(labels["type"] == "ACTIVE_POWER_P")
        #expect(labels["unit"] == "W")
        #expect(labels["job"] == "smartmeter")
        #expect(query(#"smartmeter_value{meter="LGZ1030653520967",type="VOLTAGE_L1"}"#)?.first.flatMap(sampleValue) == "236")
        #expect(query(#"smartmeter_reader_readings_total{reader="reader1"}"#)?.first.flatMap(sampleValue) == "1")
        #expect(query(#"smartmeter_sink_connected{sink="sink1"}"#)?.first.flatMap(sampleValue) == "0")
        // The scrape itself succeeded with the token (up == 1).
        #expect(query(#"up{job="smartmeter"}"#)?.first.flatMap(sampleValue) == "1")
    }
}
