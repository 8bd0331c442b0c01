#if canImport(Glibc)
import Glibc
#endif
import Foundation

// The libFuzzer entry points of the one fuzz binary. Which target runs is chosen by the environment variable
// FUZZ_TARGET (see `FuzzTargets.all`); `scripts/fuzz` builds the binary and runs the targets.
//
// Two extra modes, run instead of fuzzing and then exit:
//   FUZZ_WRITE_SEEDS=<dir>  writes the target's seed inputs (from FUZZ_TESTDATA, the shared captures) into <dir>
//   FUZZ_LIST=1             prints the target names

nonisolated(unsafe) private var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    if environment["FUZZ_LIST"] != nil {
        for target in FuzzTargets.all { print(target.name) }
        finish(0)
    }
    guard let name = environment["FUZZ_TARGET"], let target = FuzzTargets.all.first(where: { $0.name == name }) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("set FUZZ_TARGET to one of: \(names)\n".utf8))
        finish(2)
    }
    if let directory = environment["FUZZ_WRITE_SEEDS"] {
        let testdata = URL(fileURLWithPath: environment["FUZZ_TESTDATA"] ?? "testdata")
        writeSeeds(of: target, testdata: testdata, into: URL(fileURLWithPath: directory))
        finish(0)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    selectedTarget!.run(bytes)
    return 0
}

private func writeSeeds(of target: FuzzTarget, testdata: URL, into directory: URL) {
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let seeds = try target.seeds(testdata)
        for seed in seeds {
            try Data(seed.bytes).write(to: directory.appendingPathComponent(seed.name))
        }
        print("\(target.name): \(seeds.count) seeds in \(directory.path)")
    } catch {
        FileHandle.standardError.write(Data("\(target.name): cannot write seeds: \(error)\n".utf8))
        finish(1)
    }
}

/// Ends a mode that does not fuzz. `_exit` skips LeakSanitizer's check at exit, which would report what the
/// still-running initializer holds (the environment) as leaked.
private func finish(_ status: Int32) -> Never {
    fflush(stdout)
    _exit(status)
}
