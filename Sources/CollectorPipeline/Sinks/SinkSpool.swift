import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import Delivery

/// The on-disk spool of a sink that must not lose readings (MQTT, PostgreSQL): opened from the section's
/// `spool_dir` and `spool_max_mb`, with what it found on disk logged.
enum SinkSpool {
    static func open(_ settings: SpoolSettings, sink name: String, logger: Logger) throws -> DiskSpool {
        let directory = settings.directory.map { URL(fileURLWithPath: $0) } ?? defaultDirectory(name)
        let spool = try DiskSpool(directory: directory, maximumBytes: settings.maximumMegabytes << 20)
        if !spool.isEmpty {
            logger.info("resuming \(spool.pendingBytes) spooled bytes from \(directory.path)")
        }
        if spool.discardedTailBytes > 0 {
            logger.warning("spool \(directory.path): cut \(spool.discardedTailBytes) bytes of a record torn by a crash")
        }
        return spool
    }

    /// `SpoolLocation.defaultFolder`: `$STATE_DIRECTORY/spool/<sink>` under systemd (StateDirectory=), else the user's
    /// XDG state folder; never the working directory.
    static func defaultDirectory(_ sinkName: String) -> URL {
        let home = { () -> String? in
            guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
            return String(cString: directory)
        }
        return URL(fileURLWithPath: SpoolLocation.defaultFolder(
            sink: sinkName, environment: ProcessInfo.processInfo.environment, home: home))
    }
}

/// Logs what a sink's spool drops: the disk filling up (once, and once more with the count when there is space
/// again), the `spool_max_mb` bound reached (once), and the total at shutdown; not a line per write.
struct SpoolDropLog {
    let directory: String
    let logger: Logger
    private var diskFull = false
    private var droppedForSpaceBefore = 0
    /// The count at the previous write: the drops of the write that found the disk full count too.
    private var droppedForSpaceSeen = 0
    private var boundReported = false
    private let limitMegabytes: Int

    init(_ spool: DiskSpool, logger: Logger) {
        directory = spool.directory.path
        limitMegabytes = spool.maximumBytes >> 20
        self.logger = logger
    }

    /// After each write, with the spool's counters.
    mutating func update(dropped: Int, droppedForSpace: Int, diskFull full: Bool) {
        if full && !diskFull {
            logger.warning("spool \(directory): no space left on the disk; the oldest spooled records are dropped to make room")
            droppedForSpaceBefore = droppedForSpaceSeen
        } else if !full && diskFull {
            logger.warning("spool \(directory): space again; \(droppedForSpace - droppedForSpaceBefore) oldest spooled records were dropped while the disk was full")
        }
        diskFull = full
        droppedForSpaceSeen = droppedForSpace
        if dropped > droppedForSpace && !boundReported {
            boundReported = true
            logger.warning("spool \(directory) reached spool_max_mb = \(limitMegabytes); the oldest spooled records are dropped")
        }
    }

    /// At shutdown.
    func finish(dropped: Int, droppedForSpace: Int) {
        guard dropped > 0 else { return }
        let reasons = "\(droppedForSpace) for a full disk, \(dropped - droppedForSpace) beyond spool_max_mb"
        logger.warning("spool \(directory): \(dropped) records dropped since the start (\(reasons))")
    }
}
