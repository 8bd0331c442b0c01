import Foundation
import Protocols
import TestSupport
import Testing
import TestThreads

/// Headless Chromium (Debian's chromium and chromium-driver, with python3-selenium) against the live page of a real
/// collector: decoded values of a Fluvius and an E450 meter, live updates, a dropped frame, a sink that is down, a
/// hostile meter id kept as text. The screenshot it takes is the one in the README (set WEB_PAGE_SCREENSHOT to a
/// path to keep it).
@Suite(.onOwnThread) struct WebPageBrowserTests {
    static let script = packageRoot.appendingPathComponent("Tests/CollectorTests/Browser/live_page_test.py").path
    static let available = ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    } && FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/selenium")

    @Test("the live page in headless Chromium: values, live updates, a dropped frame, a sink that is down, a hostile id as text",
          .enabled(if: available, "needs chromium, chromium-driver and python3-selenium"))
    func livePage() throws {
        let hostile = #"<img src=x onerror=alert(1)>"\x"#
        let web = try WebCollector(extraReader: "id = \(hostile)")
        try web.sendFluvius(0)
        #expect(eventually(timeout: 10) { web.readingsWritten() == 1 })
        try web.sendE450()
        #expect(eventually(timeout: 10) { web.readingsWritten() == 2 })
        try web.sendE450(to: web.extra)
        try web.sendCorruptFluvius()
        #expect(eventually(timeout: 10) { web.readingsWritten() == 3 }, "\(web.collector.stderr.contents)")
        // The Fluvius meter keeps sending, twice a second, while the browser watches.
        let meter = SteadyMeter(pty: web.fluvius, perSecond: 2, first: 1, count: 300)
        meter.start()
        defer { meter.stop() }

        let screenshot = ProcessInfo.processInfo.environment["WEB_PAGE_SCREENSHOT"] ?? web.directory.file("page.png")
        let browser = try RunningProcess("/usr/bin/python3", [
            Self.script, "--url", web.base + "/", "--fluvius", WebFaceTests.fluviusSource,
            "--e450", LGE450Capture.source, "--hostile", hostile, "--screenshot", screenshot,
        ])
        let status = browser.waitForExit(timeout: 120)
        #expect(status == 0, "browser test output:\n\(browser.stdout.contents)\n\(browser.stderr.contents)")
        for step in ["E450 values", "Fluvius values", "live update", "chart", "dropped frame and sink down",
                     "hostile id shown as text", "no browser errors"] {
            #expect(browser.stdout.contents.contains("ok: \(step)"), "\(step)")
        }
        #expect((try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int).flatMap { $0 } ?? 0 > 10_000)

        // Every reading the meter sent while the page watched also reached the JSON-lines sink.
        meter.stop()
        let sent = meter.sent - 1
        #expect(eventually(timeout: 10) { web.readingsWritten() == 3 + sent }, "\(web.readingsWritten()) of \(3 + sent)")
    }
}
