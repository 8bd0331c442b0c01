
/// When the file sinks make what they wrote durable (`fsync`): right after a write when the last sync is at least
/// `interval` ago, otherwise when their queue runs empty (`Sink.idle`, within a quarter of a second) and when they
/// close. A meter's readings, seconds apart, are each synced as they are written; a replayed file's stream of large
/// batches costs one fsync per interval instead of one per batch (each is milliseconds on a disk).
struct SyncPacing {
    static let interval = 0.5

    private var lastSync = -Double.infinity
    /// Written since the last sync.
    private(set) var pending = false

    /// After a write: whether to sync now (else it is left pending).
    mutating func syncAfterWrite() -> Bool {
        let now = monotonicSeconds()
        guard now - lastSync >= Self.interval else {
            pending = true
            return false
        }
        lastSync = now
        pending = false
        return true
    }

    /// The queue is empty or the sink closes: whether a write is waiting for its sync (then counted as synced).
    mutating func syncPending() -> Bool {
        guard pending else { return false }
        lastSync = monotonicSeconds()
        pending = false
        return true
    }
}
