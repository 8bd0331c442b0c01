/// What a receiver got of messages numbered 0..<count, in arrival order: which never arrived, which arrived out of
/// order (a first arrival below an earlier first arrival), and how many arrived again (QoS 1 resends what was in
/// flight when a connection broke; nothing else should).
public struct DeliveryCheck: Sendable, CustomStringConvertible {
    public let count: Int
    public let missing: [Int]
    public let outOfOrder: [Int]
    public let duplicates: Int
    /// Numbers outside 0..<count.
    public let unexpected: [Int]

    public init(arrivals: [Int], count: Int) {
        self.count = count
        var seen = Set<Int>()
        var outOfOrder: [Int] = []
        var duplicates = 0
        var highest = -1
        for number in arrivals {
            guard seen.insert(number).inserted else {
                duplicates += 1
                continue
            }
            if number < highest { outOfOrder.append(number) }
            highest = max(highest, number)
        }
        self.outOfOrder = outOfOrder
        self.duplicates = duplicates
        missing = (0..<count).filter { !seen.contains($0) }
        unexpected = seen.filter { !(0..<count).contains($0) }.sorted()
    }

    /// Every number arrived, first arrivals in order.
    public var isCompleteInOrder: Bool { missing.isEmpty && outOfOrder.isEmpty && unexpected.isEmpty }

    public var description: String {
        "\(count - missing.count) of \(count) arrived; missing \(missing.prefix(20))\(missing.count > 20 ? "..." : "")"
            + ", out of order \(outOfOrder.prefix(20)), duplicates \(duplicates), unexpected \(unexpected.prefix(20))"
    }
}
