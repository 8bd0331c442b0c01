import Protocols
import Testing
import TestSupport
import TestThreads

/// The escaping rules of MeterDecoding/Escaping that the CSV sink and `smartmeter-config backup` go through.
@Suite("Escaping: file names and CSV cells", .onOwnThread)
struct EscapingTests {
    static let hostileSources = [
        "", "a/+/#", "a_____", "a____", "../../etc/passwd", ".", "..", String(repeating: "Y", count: 400),
        String(repeating: "Y", count: 64), String(repeating: "Y", count: 65), "x\0y", "x\ny", "Zähler", "💡", "~",
        "a~b", "=1+2", "-meter", "1SAG3101021605", String(repeating: "é", count: 300), "CON", "a b", "a\u{301}",
    ]

    /// A cell's content, scalar by scalar: outer quotes removed, doubled quotes single.
    static func unquoted(_ cell: String) -> String {
        guard cell.unicodeScalars.first == "\"" else { return cell }
        var out = String.UnicodeScalarView()
        var quote = false
        for scalar in cell.unicodeScalars.dropFirst().dropLast() {
            if scalar == "\"" && !quote { quote = true; continue }
            quote = false
            out.append(scalar)
        }
        return String(out)
    }

    @Test("file stems: plain for short safe ids, bounded and safe for every other, distinct for distinct ids")
    func fileStems() {
        #expect(FileNameEscaping.fileStem(forSource: "1SAG3101021605") == "1SAG3101021605")
        #expect(FileNameEscaping.fileStem(forSource: "a_____") == "a_____")
        #expect(FileNameEscaping.fileStem(forSource: "-meter") == "-meter")
        let slashes = FileNameEscaping.fileStem(forSource: "a/+/#")
        #expect(slashes.hasPrefix("a____~") && slashes.utf8.count == 5 + 1 + 16, "\(slashes)")
        #expect(FileNameEscaping.fileStem(forSource: String(repeating: "Y", count: 64)) == String(repeating: "Y", count: 64))
        #expect(FileNameEscaping.fileStem(forSource: String(repeating: "Y", count: 65)).hasPrefix(String(repeating: "Y", count: 32) + "~"))

        var generator = SeededGenerator(seed: 16)
        var sources = Self.hostileSources
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", ".", "_", "-", "~", "/", "\0", "\n", "+", "#", "é", "💡", " "]
        for _ in 0..<3000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...80, using: &generator) { text.append(alphabet.randomElement(using: &generator)!) }
            sources.append(String(text))
        }
        var seen: [String: String] = [:]
        for source in sources {
            let stem = FileNameEscaping.fileStem(forSource: source)
            #expect(!stem.isEmpty && stem.utf8.count <= FileNameEscaping.maximumLength, "\(source.debugDescription)")
            #expect(stem.utf8.allSatisfy { FileNameEscaping.isSafe($0) || $0 == UInt8(ascii: "~") }, "\(stem)")
            #expect(stem != "." && stem != "..")
            if let other = seen[stem] { #expect(other == source, "\(other.debugDescription) and \(source.debugDescription) share \(stem)") }
            seen[stem] = source
            // A stem with the marker never equals a plain one: plain stems are the sources themselves, without `~`.
            #expect(stem.contains("~") == (stem != source))
        }
    }

    @Test("CSV cells: RFC 4180 quoting, formulas neutralised, numbers untouched, restoredText the inverse")
    func csvCells() {
        #expect(CSVCell.text("plain") == "plain")
        #expect(CSVCell.text("=1+2") == #""'=1+2""#)
        #expect(CSVCell.text("+41 79") == #""'+41 79""#)
        #expect(CSVCell.text("-x") == #""'-x""#)
        #expect(CSVCell.text("@SUM(A1)") == #""'@SUM(A1)""#)
        #expect(CSVCell.text("\tx") == "\"'\tx\"")
        #expect(CSVCell.text("\r\nx") == "\"'\r\nx\"")
        #expect(CSVCell.text(#"=HYPERLINK("http://e/","x")"#) == #""'=HYPERLINK(""http://e/"",""x"")""#)
        #expect(CSVCell.text("'=x") == #""''=x""#, "a quote before a formula gets one more, so restoring is exact")
        #expect(CSVCell.text("'quoted") == "'quoted")
        #expect(CSVCell.text("a,b") == #""a,b""#)
        #expect(CSVCell.text("a\r\nb") == "\"a\r\nb\"", "CRLF is one Character but still a line break")
        #expect(CSVCell.text("\"\u{301}") == "\"\"\"\u{301}\"", "a quote with a combining mark is still a quote")
        #expect(CSVCell.text("") == "")
        #expect(CSVCell.text("", quoteEmpty: true) == #""""#)
        #expect(CSVCell.verbatim("-5.2") == "-5.2")
        #expect(CSVCell.verbatim("-1500") == "-1500")
        #expect(CSVCell.verbatim("2020-05-12 11:54:09+00") == "2020-05-12 11:54:09+00")

        for text in Self.hostileSources + ["=x", "'=x", "''=x", "'", "''", "'a", "-", "+", "@", "\t", "\r", "\r\n"] {
            let cell = CSVCell.text(text)
            let content = Self.unquoted(cell)
            #expect(CSVCell.restoredText(content) == text, "\(text.debugDescription) -> \(cell.debugDescription)")
            if let first = content.unicodeScalars.first {
                #expect(!CSVCell.formulaStarts.contains(first), "\(cell.debugDescription) could run as a formula")
            }
        }
    }
}
