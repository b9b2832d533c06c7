/// What a reader sees of transactions (Kafka's `isolation.level`).
///
/// # Thread safety
/// A value type; `Sendable`.
public enum IsolationLevel: String, Sendable, CaseIterable {
    /// Every data batch, committed, aborted or still open; markers are skipped.
    case readUncommitted = "read_uncommitted"
    /// Only batches below the last stable offset, without those of aborted
    /// transactions and without markers.
    case readCommitted = "read_committed"
}
