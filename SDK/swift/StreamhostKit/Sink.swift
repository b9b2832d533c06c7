import StreamhostABI

/// A component that writes records out of the job: a file, a socket, a
/// database. A sink has no output: it must not emit.
///
/// # Thread safety
/// `process` and `close` are called by one host task thread at a time per
/// instance (see `Component`).
///
/// # Ownership
/// The batch is BORROWED for the call: copy what must outlive it. Make
/// writes durable in `close`; `deinit` runs without `close` after a failure
/// and should discard what is half written.
public protocol Sink: Component {
    /// Handles one batch of records to write.
    func process(_ batch: Batch, context: Context) throws
}
