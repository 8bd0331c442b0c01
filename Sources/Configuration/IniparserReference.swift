internal import CIniParser
import Protocols

/// iniparser itself, as the reference that `IniLineScanner` follows: the tests and the `config` fuzz target compare
/// what both read from the same file. Not used to load configurations: iniparser finds each key by a linear search,
/// so loading takes time that grows with the square of the number of keys (99 s for 200 000 sections).
enum IniparserReference {
    /// Every `section:key` with its value, as iniparser stores them (repeats merged, the last value kept); nil when
    /// iniparser rejects the file.
    static func values(path: String) -> [String: String]? {
        smartmeter_iniparser_silence_errors()
        guard let dictionary = iniparser_load(path) else { return nil }
        defer { iniparser_freedict(dictionary) }
        var values: [String: String] = [:]
        // One pass over the dictionary's arrays (a lookup per key would search the whole dictionary each time).
        for index in 0..<Int(dictionary.pointee.size) {
            guard let key = dictionary.pointee.key[index], let value = dictionary.pointee.val[index] else { continue }
            let name = String(cString: key)
            if name.contains(":") { values[name] = String(cString: value) }
        }
        return values
    }
}
