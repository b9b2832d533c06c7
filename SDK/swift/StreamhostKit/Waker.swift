import StreamhostABI

/// Asks the host to poll a source instance again soon, after it returned
/// `.idle`.
///
/// # Thread safety
/// `wake()` may be called from any thread at any time, including after the
/// instance was closed (it then does nothing): the header makes `wakeup`
/// the one host function free of rule 8.
///
/// # Ownership
/// Holds the instance's `sh_ctx`: stop using it once the instance is
/// destroyed (after `destroy` the context is gone).
public struct Waker: @unchecked Sendable {
    private let rawContext: OpaquePointer
    private let host: UnsafePointer<sh_host_api>

    init(context: Context) {
        self.rawContext = context.rawContext
        self.host = context.host
    }

    /// Asks the host to call the instance again soon.
    public func wake() {
        host.pointee.wakeup!(rawContext)
    }
}
