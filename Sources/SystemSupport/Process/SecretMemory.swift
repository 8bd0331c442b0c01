internal import CLinux

/// The processes hold keys and passwords once they have read the configuration: no core dump may carry them to
/// disk and no other process of the same user may read them through ptrace or /proc/<pid>/mem.
public enum SecretMemory {
    /// Marks this process non-dumpable (PR_SET_DUMPABLE 0). Returns false when the kernel refused.
    @discardableResult
    public static func protect() -> Bool { smartmeter_forbid_dumps() == 0 }
}
