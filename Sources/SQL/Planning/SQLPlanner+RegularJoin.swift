/// Regular inner joins of two append-only inputs: `a JOIN b ON a.k = b.k`
/// with no condition on the two time attributes (Nexmark q3).
///
/// Flink keeps every record of both sides in state and joins each new
/// record with all of the other side's; its result is append-only for an
/// inner join of append-only inputs. Here that is the `join` operator
/// (the interval join) with bounds that take every pair: right.ts -
/// left.ts in [-`regularJoinReachMax`, `regularJoinReachMax`]. Its
/// buffers then empty only at the end of input, as Flink's state, unless
/// `SET 'table.exec.state.ttl' = '1 h'` bounds them: then a record joins
/// the other side's records within the TTL of its own time, and is
/// dropped from state once the watermark is that far past it.
///
/// Two differences from Flink, both written in the job file's notes:
/// Flink's TTL counts processing time since a state entry was last
/// written, this one event time (records stay until the watermark passes
/// their time + TTL, so a run's results do not depend on its speed); and
/// the `join` operator rejects a record already behind the watermark (a
/// dead letter with the reason), which Flink's regular join would join.
extension SQLPlanner {
    /// The bound of right.ts - left.ts with no TTL: the operator's time
    /// arithmetic saturates, so these buffers are cleaned at the end of
    /// time (the end of input) only.
    static let regularJoinReachMax = Int64.max

    /// The bounds of right.ts - left.ts of a regular join.
    mutating func regularJoinBounds() -> (Int64, Int64) {
        guard let ttl = stateTTLMs, ttl > 0 else {
            job.noteOnce("A regular join (no time condition between its sides) keeps every record until the end of input, "
                + "as Flink does without table.exec.state.ttl; records behind the watermark are rejected, not joined.")
            return (-Self.regularJoinReachMax, Self.regularJoinReachMax)
        }
        job.noteOnce("A regular join with table.exec.state.ttl = \(ttl) ms joins records whose times are at most \(ttl) ms apart and "
            + "drops a record once the watermark is \(ttl) ms past its time (event time; Flink counts processing time).")
        return (-ttl, ttl)
    }

    /// `SET 'table.exec.state.ttl' = '...'`: a duration (`'1 h'`, `'30 min'`,
    /// ms), 0 for none.
    func stateTTL(_ value: SQLString) throws(SQLError) -> Int64 {
        guard let ms = Self.duration(value.value), ms >= 0 else {
            throw fail(.invalid, value.position,
                       "table.exec.state.ttl is a duration ('1 h', '30 min', '10 s' or ms; 0: keep state forever), got '\(value.value)'")
        }
        return ms
    }
}

extension SQLJob {
    /// Adds a note unless the job has it already (a script may plan the
    /// same construct more than once).
    mutating func noteOnce(_ note: String) {
        if !notes.contains(note) { notes.append(note) }
    }
}
