import StreamhostABI

/// The errors the kit throws, and a plain message error for plugin code.
///
/// A component's callbacks may throw any `Error`; the kit catches it at the
/// C boundary, gives its description to `host->set_error` and returns
/// `SH_ERROR`. `PluginError` is what the kit's own wrappers (`Config`,
/// `Context`) throw, each case with a message that says what failed and
/// what to do.
public enum PluginError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required config key is absent.
    case missingConfig(key: String)

    /// A config key holds another JSON type than the one asked for, or a
    /// value the component cannot use; `expected` says what it should be.
    case invalidConfig(key: String, expected: String)

    /// A host-API call did not return `SH_OK`: the function, its status and
    /// the host's `last_error` text.
    case host(function: String, status: Int32, message: String)

    /// A failure described by the plugin itself (`PluginError.failed("...")`).
    case failed(String)

    /// The component has no way to rewrite its state from `fromVersion` to
    /// `toVersion`: what a `Migrating.migrate(_:context:)` throws for a
    /// version it cannot read.
    case cannotMigrate(component: String, fromVersion: UInt32, toVersion: UInt32)

    public var description: String {
        switch self {
        case .missingConfig(let key):
            "config key '\(key)' is required but absent: add it to the step's config"
        case .invalidConfig(let key, let expected):
            "config key '\(key)' must be \(expected)"
        case .host(let function, let status, let message):
            message.isEmpty
                ? "host call \(function) failed with \(Status.name(status))"
                : "host call \(function) failed with \(Status.name(status)): \(message)"
        case .failed(let message):
            message
        case .cannotMigrate(let component, let fromVersion, let toVersion):
            "component '\(component)' cannot migrate its state from version \(fromVersion) to version \(toVersion): "
                + "restore with the plugin version that wrote the checkpoint, start the job without it, "
                + "or make its migrate(_:context:) (Migrating) read that version"
        }
    }
}
