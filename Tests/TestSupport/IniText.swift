/// Configuration text of a test, section by section, so that a test spells out only the keys that matter to it and
/// the INI syntax lives in one place.
public enum Ini {
    /// `[name]` and its `key = value` lines, in the order given.
    public static func section(_ name: String, _ keys: KeyValuePairs<String, Any>) -> String {
        "[\(name)]\n" + lines(keys)
    }

    private static func lines(_ keys: KeyValuePairs<String, Any>) -> String {
        keys.map { "\($0.key) = \($0.value)\n" }.joined()
    }

    /// `[reader<index>]` of meter `type` and then `keys`.
    public static func reader(_ index: Int = 0, _ type: String, _ keys: KeyValuePairs<String, Any>) -> String {
        "[reader\(index)]\ntype = \(type)\n" + lines(keys)
    }

    /// `[sink<index>]` of `type` and then `keys`.
    public static func sink(_ index: Int, _ type: String, _ keys: KeyValuePairs<String, Any> = [:]) -> String {
        "[sink\(index)]\ntype = \(type)\n" + lines(keys)
    }

    /// `[logging]` at `level` with `keys`.
    public static func logging(_ level: String = "INFO", _ keys: KeyValuePairs<String, Any> = [:]) -> String {
        "[logging]\ndefault = \(level)\n" + lines(keys)
    }
}
