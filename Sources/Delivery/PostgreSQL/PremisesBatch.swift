/// Inserts a batch of readings' rows so that a reading the server cannot take costs that reading only.
///
/// Readings failing `PremisesRows.problem` are left out before anything is sent. The rest go in one transaction;
/// when the server refuses it for a data error (`Failure.isDataError`: SQLSTATE classes 22, 23, 54), the batch is
/// halved and each half inserted on its own, down to single readings, which are then refused. Every transaction
/// that failed was rolled back and every one that succeeded committed its rows once (`ON CONFLICT DO NOTHING`
/// makes a replay after a lost connection harmless), so each good reading is stored exactly once. Any other
/// failure (connection lost, permission, disk full) is thrown: the batch stays spooled and is sent again.
public enum PremisesBatch {
    public enum Refusal: Sendable, CustomStringConvertible {
        /// Found before sending.
        case checked(PremisesRows.Problem)
        /// Refused by the server when inserted alone.
        case server(PostgresConnection.Failure)

        /// The same for every reading refused for the same reason: what is logged once.
        public var kind: String {
            switch self {
            case .checked(let problem): return problem.kind
            case .server(let failure): return "server error \(failure.sqlState ?? "?")"
            }
        }

        public var description: String {
            switch self {
            case .checked(let problem): return problem.description
            case .server(let failure): return "refused by the server (SQLSTATE \(failure.sqlState ?? "?")): \(failure.description)"
            }
        }
    }

    public struct Outcome: Sendable {
        /// Rows the server added.
        public var addedRows = 0
        /// Index in the batch of each refused reading, with why.
        public var refused: [(reading: Int, refusal: Refusal)] = []
        /// Transactions sent (1 when nothing was refused by the server).
        public var transactions = 0
    }

    public static func insert(_ readings: [PremisesRows],
                              on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Outcome {
        var outcome = Outcome()
        var accepted: [(index: Int, rows: PremisesRows)] = []
        for (index, rows) in readings.enumerated() {
            if let problem = rows.problem {
                outcome.refused.append((index, .checked(problem)))
            } else if !rows.isEmpty {
                accepted.append((index, rows))
            }
        }
        try insert(accepted[...], on: connection, into: &outcome)
        outcome.refused.sort { $0.reading < $1.reading }
        return outcome
    }

    private static func insert(_ part: ArraySlice<(index: Int, rows: PremisesRows)>, on connection: PostgresConnection,
                               into outcome: inout Outcome) throws(PostgresConnection.Failure) {
        guard !part.isEmpty else { return }
        var rows = PremisesRows()
        for reading in part { rows.append(reading.rows) }
        do {
            outcome.transactions += 1
            outcome.addedRows += try PremisesSchema.insert(rows, on: connection)
        } catch where error.isDataError && !error.connectionLost {
            guard part.count > 1 else {
                outcome.refused.append((part.first!.index, .server(error)))
                return
            }
            let middle = part.startIndex + part.count / 2
            try insert(part[..<middle], on: connection, into: &outcome)
            try insert(part[middle...], on: connection, into: &outcome)
        }
    }
}
