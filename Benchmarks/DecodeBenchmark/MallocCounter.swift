import Glibc

/// The number of heap allocations so far (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign), as
/// counted by `bench/malloc-count.c` when the harness runs with it preloaded (`LD_PRELOAD`); nil without it.
enum MallocCounter {
    static func calls() -> UInt64? {
        guard let symbol = dlsym(nil, "bench_malloc_calls") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)()
    }
}
