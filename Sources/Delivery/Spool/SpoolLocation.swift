/// Where a sink's spool lives when its section sets no `spool_dir`: never the working directory (a folder of
/// someone else, or a shared one, would let them plant names there). Under systemd `StateDirectory=` gives
/// `$STATE_DIRECTORY`; a run by hand uses the XDG state folder of the user.
public enum SpoolLocation {
    /// `$STATE_DIRECTORY/spool/<sink>`, else `$XDG_STATE_HOME/smartmeter-datacollector/spool/<sink>`, else
    /// `$HOME/.local/state/smartmeter-datacollector/spool/<sink>` (the home of the user's password entry without
    /// `HOME`). Relative values of the variables are ignored, as the XDG specification asks.
    public static func defaultFolder(sink: String, environment: [String: String], home: () -> String?) -> String {
        func absolute(_ name: String) -> String? {
            guard let value = environment[name]?.split(separator: ":").first, value.hasPrefix("/") else { return nil }
            let trimmed = value.trimmed(where: { $0 == "/" })
            return trimmed.isEmpty ? "" : "/" + trimmed
        }
        let base = absolute("STATE_DIRECTORY")
            ?? absolute("XDG_STATE_HOME").map { $0 + "/smartmeter-datacollector" }
            ?? ((absolute("HOME") ?? home().map { $0 == "/" ? "" : $0 } ?? "") + "/.local/state/smartmeter-datacollector")
        return base + "/spool/" + sink
    }
}
