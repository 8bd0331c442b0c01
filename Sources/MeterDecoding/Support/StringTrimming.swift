extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, line breaks).
    public var trimmed: String { trimmed(where: \.isWhitespace) }

    /// The text without leading and trailing characters for which `drop` holds.
    public func trimmed(where drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }
}
