import Foundation

/// A small deterministic generator (SplitMix64) so failures reproduce.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// A generator for the random timing of one test (kill moments, pauses): seeded from `SMARTMETER_TEST_SEED` when
    /// set, to replay a failure, else at random. The test puts `seed` into its failure messages.
    public static func forTiming() -> (generator: SeededGenerator, seed: UInt64) {
        var system = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["SMARTMETER_TEST_SEED"].flatMap { UInt64($0) } ?? system.next()
        return (SeededGenerator(seed: seed), seed)
    }
}
