import StreamhostABI

/// A component that turns input batches into output records: a filter, a
/// map, an enrichment.
///
/// # Thread safety
/// `process` is called by one host task thread at a time per instance (see
/// `Component`).
///
/// # Ownership
/// The batch is BORROWED for the call; emitted records are copied by the
/// host.
public protocol Operator: Component {
    /// The number of inputs it takes. Default: 1.
    static var inputCount: Int { get }

    /// Handles one batch: emit, reject or drop each record.
    func process(_ batch: Batch, context: Context) throws
}

extension Operator {
    public static var inputCount: Int { 1 }
}
