import Foundation
import Protocols
import TestSupport
import Testing
import TestThreads

/// The short variant of bench/http_load.py: 20 event-stream clients and 50 requests/s for 8 s while a Fluvius
/// meter sends 10 telegrams/s; every telegram must reach the JSON-lines sink and every client, no request may fail.
/// Light on purpose: the suite runs in parallel with tests that time their meters. (The full run, 50 clients and
/// 200 requests/s for 60 s on the release build with the memory figures, is in the README.)
@Suite(.onOwnThread) struct WebLoadTests {
    @Test("20 SSE clients and 50 requests/s for 8 s while a meter sends: every reading reaches the other sink and every client")
    func loadWhileAMeterSends() throws {
        let script = packageRoot.appendingPathComponent("bench/http_load.py").path
        let directory = try TestFolder()
        let output = directory.file("load.json")
        // Memory is judged by the benchmark (release build); here only that it does not run away. Under a
        // sanitizer the collector answers more slowly: fewer requests, and the rate is not judged.
        let rate = runsUnderSanitizer ? 20 : 50
        let run = try RunningProcess("/usr/bin/python3", [script, "--binary", collectorBinary, "--seconds", "8",
                                                          "--clients", "20", "--rate", "\(rate)", "--rss-slack-mb", "16",
                                                          "--min-rate-fraction", runsUnderSanitizer ? "0" : "0.8",
                                                          "--json", output])
        let status = run.waitForExit(timeout: 120)
        #expect(status == 0, "\(run.stdout.contents)\n\(run.stderr.contents)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        let sent = result["telegrams_sent"] as? Int ?? 0
        #expect(sent >= 60)
        #expect(result["jsonl_readings"] as? Int == sent)
        #expect(result["events_per_client_min"] as? Int == sent)
        #expect(result["failed_requests"] as? Int == 0)
        #expect((result["requests"] as? Int ?? 0) >= (runsUnderSanitizer ? 10 : 300))
    }
}
