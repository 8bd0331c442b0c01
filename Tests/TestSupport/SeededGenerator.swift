import SystemSupport

/// A small deterministic generator (SplitMix64) so failures reproduce: the one the back-off's jitter uses.
public typealias SeededGenerator = SeededRandom
