import FoundationEssentials
import Glibc
import Logging
import Protocols

/// The on-disk spool of a sink that must not lose readings (MQTT, PostgreSQL): opened from the section's
/// `spool_dir` and `spool_max_mb`, with what it found on disk logged.
enum SinkSpool {
    static let defaultMegabytes = 100

    static func open(for configuration: SinkConfiguration, logger: Logger) throws -> DiskSpool {
        let directory = configuration["spool_dir"].map { URL(fileURLWithPath: $0) } ?? defaultDirectory(configuration.name)
        let megabytes = configuration["spool_max_mb"].flatMap { Int($0) } ?? defaultMegabytes
        let spool = try DiskSpool(directory: directory, maximumBytes: megabytes << 20)
        if !spool.isEmpty {
            logger.info("resuming \(spool.pendingBytes) spooled bytes from \(directory.path)")
        }
        if spool.discardedTailBytes > 0 {
            logger.warning("spool \(directory.path): cut \(spool.discardedTailBytes) bytes of a record torn by a crash")
        }
        return spool
    }

    /// `$STATE_DIRECTORY/spool/<sink>` under systemd (StateDirectory=), else `./spool/<sink>`.
    static func defaultDirectory(_ sinkName: String) -> URL {
        let base = ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
            ?? FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: base).appendingPathComponent("spool").appendingPathComponent(sinkName)
    }
}
