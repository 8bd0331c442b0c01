/// Text placed in our HTML: every character that could end an element or an attribute is escaped, in one place.
/// Values from the configuration file and from the meter (detect's output) are untrusted.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A whole page: our style and script only (the content security policy allows nothing else).
    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="/static/config.css">
        <script src="/static/config.js" defer></script>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// A POST form carrying the session's CSRF token.
    static func form(action: String, csrf: String, id: String? = nil, multipart: Bool = false, _ content: String) -> String {
        "<form method=\"post\" action=\"\(escape(action))\"" + (id.map { " id=\"\(escape($0))\"" } ?? "")
            + (multipart ? " enctype=\"multipart/form-data\"" : "") + ">"
            + "<input type=\"hidden\" name=\"csrf\" value=\"\(escape(csrf))\">" + content + "</form>"
    }
}
