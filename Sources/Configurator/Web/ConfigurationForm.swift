import Configuration
import Protocols

/// The configuration as one HTML form generated from the schema: each section with every key of its kind (reader,
/// each sink type, logging, http), each with its help text (which names the default), the value in the draft, and
/// the problems `validate` reports at that key. Secret values are never written into the page: their field is
/// empty and keeps the value unless something is typed (or "clear" is ticked).
struct ConfigurationForm {
    var checked: ConfigurationDraft.Checked
    var csrf: String

    /// The keys the form shows for a section: the schema's for its kind and type, then any others it holds.
    static func keys(of section: IniDocument.Section) -> [KeySchema] {
        let schema: [KeySchema]
        if section.name.hasPrefix("reader") {
            schema = ConfigurationSchema.readerKeys
        } else if section.name.hasPrefix("sink") {
            schema = SinkSchema.named(section.value("type")?.asciiLowercased() ?? "")?.keys
                ?? [KeySchema("type", .sinkType, required: true, help: "type of the sink")]
        } else if section.name == "logging" {
            schema = ConfigurationSchema.loggingKeys
        } else if section.name == "http" {
            schema = ConfigurationSchema.httpKeys
        } else {
            schema = []
        }
        let known = Set(schema.map(\.name))
        var extra: [KeySchema] = []
        for entry in section.entries where !known.contains(entry.key) && !extra.contains(where: { $0.name == entry.key }) {
            extra.append(KeySchema(entry.key, .text, help: "not a key of this section"))
        }
        return schema + extra
    }

    static func isSecret(_ key: String) -> Bool { ConfigurationSecrets.keys.contains(key) || key == "dsn" }

    static func fieldName(_ section: String, _ key: String) -> String { "v.\(section).\(key)" }

    func render() -> String {
        var html = ""
        let general = checked.problems.filter { problem in
            guard let name = problem.section, let section = checked.document.section(name) else { return true }
            return problem.key != nil && !Self.keys(of: section).contains { $0.name == problem.key }
        }
        let errors = checked.errors.count
        html += "<p id=\"summary\" class=\"notice\(errors > 0 ? " bad" : "")\">"
            + (errors > 0 ? "\(errors) problem\(errors == 1 ? "" : "s"): the collector would not start with this configuration"
                : "valid: the collector would start with this configuration") + "</p>"
        if !general.isEmpty {
            html += "<ul class=\"general\">" + general.map { "<li class=\"problem\">\(HTMLText.escape($0.description))</li>" }.joined() + "</ul>"
        }
        var body = ""
        for section in checked.document.sections {
            body += renderSection(section)
        }
        let meterOptions = MeterType.allCases.map { "<option value=\"\($0.rawValue)\">\($0.rawValue): \(HTMLText.escape($0.summary))</option>" }.joined()
        let sinkOptions = SinkSchema.all.map { "<option value=\"\($0.type)\">\($0.type): \(HTMLText.escape($0.summary))</option>" }.joined()
        body += """
            <section class="ini add"><h2>Add a section</h2>
            <p><select name="newreader" id="newreader">\(meterOptions)</select>
            <button type="submit" formaction="/add" name="add" value="reader" id="add-reader">Add reader</button></p>
            <p><select name="newsink" id="newsink">\(sinkOptions)</select>
            <button type="submit" formaction="/add" name="add" value="sink" id="add-sink">Add sink</button></p>
            <p>\(["logging", "http"].filter { checked.document.section($0) == nil }.map {
                "<button type=\"submit\" formaction=\"/add\" name=\"add\" value=\"\($0)\">Add [\($0)]</button>"
            }.joined(separator: " "))</p>
            </section>
            <p class="actions">
            <button type="submit" formaction="/apply" id="apply">Check changes</button>
            <button type="submit" formaction="/save" id="save">Save</button>
            <button type="submit" formaction="/discard" id="discard" data-confirm="Discard every change not saved?">Discard changes</button>
            </p>
            """
        html += HTMLText.form(action: "/apply", csrf: csrf, id: "config", body)
        return html
    }

    private func renderSection(_ section: IniDocument.Section) -> String {
        let name = HTMLText.escape(section.name)
        var summary = ""
        if section.name.hasPrefix("reader"), let type = section.value("type").flatMap({ MeterType(rawValue: $0.asciiLowercased()) }) {
            summary = type.summary
        } else if section.name.hasPrefix("sink"), let schema = section.value("type").flatMap({ SinkSchema.named($0.asciiLowercased()) }) {
            summary = schema.summary
        }
        var html = "<section class=\"ini\" id=\"section-\(name)\"><h2>[\(name)]"
            + (summary.isEmpty ? "" : " <small>\(HTMLText.escape(summary))</small>") + "</h2>"
        for problem in checked.problems where problem.section == section.name && problem.key == nil {
            html += "<p class=\"problem\">\(HTMLText.escape(problem.description))</p>"
        }
        for key in Self.keys(of: section) {
            html += renderField(section, key)
        }
        html += "<p><button type=\"submit\" formaction=\"/remove\" name=\"remove\" value=\"\(name)\" class=\"danger\" "
            + "data-confirm=\"Remove [\(name)]?\">Remove [\(name)]</button></p></section>"
        return html
    }

    private func renderField(_ section: IniDocument.Section, _ key: KeySchema) -> String {
        let field = HTMLText.escape(Self.fieldName(section.name, key.name))
        let id = HTMLText.escape("f-\(section.name)-\(key.name)")
        let value = section.entry(key.name)?.value ?? ""
        var html = "<div class=\"field\(key.required ? " required" : "")\"><label for=\"\(id)\">\(HTMLText.escape(key.name))</label>"
        if Self.isSecret(key.name) {
            let isSet = !value.isEmpty
            html += "<input type=\"password\" id=\"\(id)\" name=\"\(field)\" value=\"\" autocomplete=\"new-password\" placeholder=\""
                + (isSet ? "set; unchanged unless you type a new one" : "not set") + "\">"
            if isSet {
                html += "<span class=\"help\"><label><input type=\"checkbox\" name=\"clear.\(HTMLText.escape(section.name)).\(HTMLText.escape(key.name))\" value=\"1\"> clear it</label></span>"
            }
        } else if let options = choices(key) {
            let current = options.first { $0.asciiLowercased() == value.asciiLowercased() } ?? value
            let all = (options.contains(current) ? [] : [current]) + options
            html += "<select id=\"\(id)\" name=\"\(field)\">" + all.map {
                "<option value=\"\(HTMLText.escape($0))\"\($0 == current ? " selected" : "")>\($0.isEmpty ? "(not set)" : HTMLText.escape($0))</option>"
            }.joined() + "</select>"
        } else {
            html += "<input type=\"text\" id=\"\(id)\" name=\"\(field)\" value=\"\(HTMLText.escape(value))\">"
        }
        html += "<span class=\"help\">\(HTMLText.escape(key.help))</span>"
        for problem in checked.problems where problem.section == section.name && problem.key == key.name {
            html += "<span class=\"problem\(problem.severity == .warning ? " warning" : "")\" data-key=\"\(HTMLText.escape(section.name)).\(HTMLText.escape(key.name))\">"
                + HTMLText.escape(problem.description) + "</span>"
        }
        return html + "</div>"
    }

    /// The values of a select, "" (not set) first for optional keys; nil for free text.
    private func choices(_ key: KeySchema) -> [String]? {
        let values: [String]
        switch key.kind {
        case .boolean: values = ["True", "False"]
        case .choice(let words): values = words
        case .meterType: return MeterType.allCases.map(\.rawValue)
        case .sinkType: return SinkSchema.all.map(\.type)
        case .logLevel: values = ["DEBUG", "INFO", "WARNING", "ERROR"]
        case .text, .path, .host, .integer, .baudRate, .aesKey, .timeZone, .identifier, .topicLevels, .clientID,
             .connectionString, .listenAddresses:
            return nil
        }
        return key.required ? values : [""] + values
    }
}
