import Configuration
import Protocols

/// The configurator's page: the notice of the last action, the output of detect / test-sinks / restart, the tools,
/// the configuration form, download and upload.
struct MainPage {
    var configPath: String
    var csrf: String
    var checked: ConfigurationDraft.Checked
    var unsaved: Bool
    var notice: String?
    var output: ToolOutput?
    var livePage: String?
    var loginRequired: Bool

    func render() -> String {
        var body = "<header><h1>smartmeter-config</h1><nav>"
        if let livePage {
            body += "<a id=\"live-page\" href=\"\(HTMLText.escape(livePage))\">Live page of the collector</a>"
        }
        body += "<a id=\"download\" href=\"/download\">Download the INI</a>"
        body += HTMLText.form(action: "/logout", csrf: csrf, "<button type=\"submit\" id=\"logout\">"
                              + (loginRequired ? "Log out" : "End session") + "</button>")
        body += "</nav></header>"
        body += "<p>Editing <code>\(HTMLText.escape(configPath))</code>"
            + (unsaved ? " <strong id=\"unsaved\">(changes not saved yet)</strong>" : "") + "</p>"
        if let notice {
            let bad = notice.hasPrefix("refused") || notice.hasPrefix("not saved")
            body += "<p id=\"notice\" class=\"notice\(bad ? " bad" : "")\">\(HTMLText.escape(notice))</p>"
        }
        if let output { body += renderOutput(output) }
        body += tools()
        body += ConfigurationForm(checked: checked, csrf: csrf).render()
        body += "<section class=\"ini\"><h2>Upload an INI file</h2><p>Secret values of a downloaded file read "
            + "<code>\(HTMLText.escape(ConfigurationDraft.secretPlaceholder))</code>; left so, they keep the values "
            + "on the server. The upload becomes the draft: check it, then save.</p>"
            + HTMLText.form(action: "/upload", csrf: csrf, id: "upload", multipart: true,
                            "<input type=\"file\" name=\"ini\" id=\"ini-file\" accept=\".ini,text/plain\"> "
                            + "<button type=\"submit\" id=\"upload-button\">Upload</button>") + "</section>"
        return HTMLText.page(title: "smartmeter-config", body: body)
    }

    private func renderOutput(_ output: ToolOutput) -> String {
        var html = "<section class=\"ini\" id=\"tool-output\"><h2>\(HTMLText.escape(output.title))"
            + " <small>(exit status \(output.status))</small></h2><pre class=\"output\">\(HTMLText.escape(output.text))</pre>"
        if !output.proposal.isEmpty {
            html += HTMLText.form(action: "/use-reader", csrf: csrf, id: "use-reader",
                                  "<button type=\"submit\" id=\"use-reader-button\">Add this reader section</button>")
        }
        return html + "</section>"
    }

    private func tools() -> String {
        let ports = SerialPorts.list().map { "<option value=\"\(HTMLText.escape($0.path))\">" }.joined()
        let types = "<option value=\"\">any (tries every setting)</option>"
            + MeterType.allCases.map { "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>" }.joined()
        return "<div class=\"tools\">"
            + HTMLText.form(action: "/detect", csrf: csrf, id: "detect", """
                <strong>Detect a meter</strong><br>
                <label>Port <input type="text" name="port" id="detect-port" list="ports" placeholder="/dev/ttyUSB0"></label>
                <datalist id="ports">\(ports)</datalist><br>
                <label>Type <select name="type" id="detect-type">\(types)</select></label>
                <label>Seconds per setting <input type="number" name="seconds" id="detect-seconds" value="11" min="1" max="60"></label><br>
                <button type="submit" id="detect-button">Detect</button> (stop the collector first: it holds the port)
                """)
            + HTMLText.form(action: "/test-sinks", csrf: csrf, id: "test-sinks",
                            "<strong>Test the sinks</strong><br>of the saved file<br><button type=\"submit\" id=\"test-sinks-button\">Test sinks</button>")
            + HTMLText.form(action: "/restart", csrf: csrf, id: "restart",
                            "<strong>Restart the collector</strong><br>on the saved file<br><button type=\"submit\" id=\"restart-button\">Restart</button>")
            + "</div>"
    }
}
