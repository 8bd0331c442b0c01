import Foundation
import Testing
import TestSupport
import TestThreads

/// The README is the front door and docs/ the rooms behind it: every relative link between them must lead somewhere.
/// Scans README.md, CONTRIBUTING.md and docs/*.md for `](target)` outside code, and checks that each target file
/// exists and that an anchor (`file.md#heading` or `#heading`) names a heading of that file.
@Suite("Documentation links", .onOwnThread)
struct DocumentationLinkTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var pages: [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)) ?? []
        return ["README.md", "CONTRIBUTING.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    @Test("every relative link and anchor in README.md, CONTRIBUTING.md and docs/*.md resolves")
    func relativeLinksResolve() throws {
        let pages = Self.pages
        #expect(pages.contains("docs/configuration.md"), "docs/ was not found beside the tests")
        var broken: [String] = []
        var checked = 0
        for page in pages {
            let path = Self.root.appendingPathComponent(page).path
            guard let text = FileManager.default.contents(atPath: path).flatMap({ String(decoding: $0, as: UTF8.self) })
            else {
                broken.append("\(page): missing")
                continue
            }
            for (line, target) in Self.links(in: text) where !Self.isExternal(target) {
                checked += 1
                if let problem = Self.problem(with: target, on: page) { broken.append("\(page):\(line): \(target): \(problem)") }
            }
        }
        #expect(checked > 50, "only \(checked) relative links found: is the scan still reading the pages?")
        #expect(broken.isEmpty, "broken links:\n\(broken.joined(separator: "\n"))")
    }

    @Test("docs/performance.md holds the table bench/performance-table.py writes from bench/*-result.json",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func performanceTableMatchesTheStoredResults() throws {
        let process = try RunningProcess("/usr/bin/python3", [Self.root.appendingPathComponent("bench/performance-table.py").path, "--check"])
        #expect(process.waitForExit(timeout: 60) == 0, "\(process.stderr.contents)")
    }

    @Test("the scan finds links, skips code and external addresses, and catches a wrong file or anchor")
    func theCheckItselfWorks() {
        let text = """
            # Title `one`
            See [a](docs/testing.md), [b](#title-one) and [c](https://example.org/x).

                an indented code line with [d](nowhere.md)
            ```
            [e](nowhere-either.md)
            ```
            ![picture](docs/web-page.png) and [f](docs/testing.md#no-such-heading)
            """
        let found = Self.links(in: text).map(\.target)
        #expect(found == ["docs/testing.md", "#title-one", "https://example.org/x", "docs/web-page.png",
                          "docs/testing.md#no-such-heading"])
        #expect(Self.problem(with: "docs/testing.md", on: "README.md") == nil)
        #expect(Self.problem(with: "docs/no-such-page.md", on: "README.md") != nil)
        #expect(Self.problem(with: "docs/testing.md#no-such-heading", on: "README.md") != nil)
        #expect(Self.problem(with: "testing.md#fuzzing", on: "docs/performance.md") == nil)
        #expect(Self.slug("## `[sinkN]`") == "sinkn")
        #expect(Self.slug("## The collector's command line") == "the-collectors-command-line")
    }

    /// `](target)` of every line outside fenced and indented code, with its line number.
    static func links(in text: String) -> [(line: Int, target: String)] {
        var result: [(Int, String)] = []
        var fenced = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                fenced.toggle()
                continue
            }
            if fenced || line.hasPrefix("    ") { continue }
            for match in line.matches(of: /\]\(([^)\s]+)\)/) { result.append((index + 1, String(match.1))) }
        }
        return result
    }

    static func isExternal(_ target: String) -> Bool {
        target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("mailto:")
    }

    /// Why `target`, linked from `page` (a path from the package root), does not resolve; nil when it does.
    static func problem(with target: String, on page: String) -> String? {
        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let file = parts[0]
        let pageFolder = URL(fileURLWithPath: page).deletingLastPathComponent().relativePath
        let relative = file.isEmpty ? page : (pageFolder == "." ? file : pageFolder + "/" + file)
        let path = root.appendingPathComponent(relative).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path) else { return "no file \(relative)" }
        guard parts.count == 2 else { return nil }
        guard path.hasSuffix(".md"), let data = FileManager.default.contents(atPath: path) else {
            return "an anchor into a file that is not Markdown"
        }
        let headings = String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("#") }.map { slug(String($0)) }
        return headings.contains(parts[1]) ? nil : "no heading '\(parts[1])' in \(relative)"
    }

    /// GitHub's anchor of a heading: lower case, letters, digits, `-` and `_` kept, blanks become `-`, the rest goes.
    static func slug(_ heading: String) -> String {
        let title = heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
        return String(title.compactMap { character -> Character? in
            if character == " " { return "-" }
            return character.isLetter || character.isNumber || character == "-" || character == "_" ? character : nil
        })
    }
}
