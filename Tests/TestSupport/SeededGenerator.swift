import Foundation
import SystemSupport

/// A small deterministic generator (SplitMix64) so failures reproduce: the one the back-off's jitter uses.
public typealias SeededGenerator = SeededRandom

extension SeededGenerator {
    /// A generator for the random timing of one test (kill moments, pauses): seeded from `SMARTMETER_TEST_SEED` when
    /// set, to replay a failure, else at random. The test puts `seed` into its failure messages.
    public static func forTiming() -> (generator: SeededGenerator, seed: UInt64) {
        var system = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["SMARTMETER_TEST_SEED"].flatMap { UInt64($0) } ?? system.next()
        return (SeededGenerator(seed: seed), seed)
    }
}
