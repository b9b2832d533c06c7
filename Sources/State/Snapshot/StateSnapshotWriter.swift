/// The second, asynchronous phase of a keyed-state snapshot: what
/// `KeyedStateStore.captureSnapshot` captured, written to files.
///
/// A snapshot has two phases so that a task does not stop processing while
/// its state is written: `captureSnapshot` runs on the task's thread at the
/// barrier and is short (it copies or pins the state as it is at that
/// point); `write(to:)` then runs on any thread while the task goes on
/// using the store. Writes to the store after the capture never reach the
/// snapshot.
///
/// Exactly one of these ends a writer's life: `write(to:)` once (a second
/// call is a programmer error), then optionally `discard()` if the
/// checkpoint fails later; or `discard()` alone if the checkpoint is
/// aborted before the write. A writer that is dropped without either
/// releases what it pinned but leaves written files in place.
///
/// # Thread safety
/// `write(to:)` and `discard()` may be called from any thread, including
/// while the store is used by its task; `discard()` may be called while
/// `write(to:)` runs (the write then fails and removes what it wrote).
///
/// # Ownership
/// The store must stay open until the writer was written or discarded
/// when its snapshot is read from the live database (RocksDB canonical);
/// closing the store earlier defers the database's close to the writer's
/// end.
public protocol StateSnapshotWriter: Sendable {
    /// Writes the snapshot's files into `directory` (created if missing;
    /// files of the same names must not exist there), fsyncs them and the
    /// directory, and returns what restoring needs.
    func write(to directory: String) throws(StateError) -> StateSnapshotHandle

    /// Drops the snapshot: releases what the capture pinned and removes the
    /// files `write(to:)` wrote, if any (for a failed or aborted checkpoint).
    /// Idempotent.
    func discard()
}
