import FoundationEssentials
import HTTPServer

/// The fields of a posted form: `application/x-www-form-urlencoded`, or `multipart/form-data` (the INI upload).
/// Field values stay bytes until asked for as text; repeated names keep the first value.
struct FormData {
    private(set) var fields: [String: [UInt8]] = [:]

    init(_ request: HTTPRequest) {
        let type = request.header("content-type") ?? ""
        if type.lowercased().hasPrefix("multipart/form-data"), let boundary = Self.boundary(type) {
            parseMultipart(request.body, boundary: Array(("--" + boundary).utf8))
        } else {
            for pair in request.body.split(separator: UInt8(ascii: "&")) {
                let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(decoding: Self.percentDecoded(parts[0]), as: UTF8.self)
                if fields[name] == nil { fields[name] = parts.count > 1 ? Self.percentDecoded(parts[1]) : [] }
            }
        }
    }

    func bytes(_ name: String) -> [UInt8]? { fields[name] }

    /// The field as text (invalid UTF-8 replaced, which validation of the value then refuses as it would any).
    subscript(_ name: String) -> String? { fields[name].map { String(decoding: $0, as: UTF8.self) } }

    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - 55
        default: return nil
        }
    }

    private static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmed }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].hasPrefix("\"") ? String(pair[1].dropFirst().dropLast()) : pair[1]
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    /// Parts between `--boundary` lines, each with headers, an empty line and its content.
    private mutating func parseMultipart(_ body: [UInt8], boundary: [UInt8]) {
        var starts: [Int] = []
        var index = 0
        while let found = Self.find(boundary, in: body, from: index) {
            starts.append(found)
            index = found + boundary.count
        }
        for (start, end) in zip(starts, starts.dropFirst()) {
            var part = body[(start + boundary.count)..<end]
            if part.starts(with: [13, 10]) { part = part.dropFirst(2) }
            if Array(part.suffix(2)) == [13, 10] { part = part.dropLast(2) }
            guard let split = Self.find([13, 10, 13, 10], in: Array(part), from: 0) else { continue }
            let headers = String(decoding: part.prefix(split), as: UTF8.self)
            let content = Array(part.dropFirst(split + 4))
            guard let disposition = headers.split(separator: "\r\n").map(String.init).first(where: {
                $0.lowercased().hasPrefix("content-disposition:")
            }), let nameRange = disposition.firstRange(of: "name=\"") else { continue }
            let name = String(disposition[nameRange.upperBound...].prefix { $0 != "\"" })
            if fields[name] == nil { fields[name] = content }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// The cookies a request carries.
enum Cookies {
    static func value(_ name: String, in request: HTTPRequest) -> String? {
        guard let header = request.header("cookie") else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmed }
            if parts.count == 2, parts[0] == name { return parts[1] }
        }
        return nil
    }
}
