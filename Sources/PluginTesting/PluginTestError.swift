import PluginHost

/// Why the plugin test harness could not do what a test asked.
public enum PluginTestError: Error, CustomStringConvertible, Sendable {
    /// The plugin file could not be loaded (the loader's message).
    case load(PluginLoadError)
    /// The plugin has no component of that name (and which it has).
    case unknownComponent(name: String, path: String, available: [String])
    /// The config does not fit the component's schema.
    case config(String)
    /// A callback returned an error status (its message, step and callback).
    case callback(PluginCallError)
    /// The instance broke an ABI rule (emitting from a sink, a host call
    /// from another thread...): a job would fail with this message.
    case violation(String)
    /// The keyed state failed (a host-side failure a job would fail with).
    case state(String)
    /// A call the harness refuses in this state (feeding a closed instance,
    /// polling an operator...), with what to do instead.
    case misuse(String)
    /// Input text that is not what it must be, with file and line.
    case input(String)

    public var description: String {
        switch self {
        case .load(let error): return "\(error)"
        case .unknownComponent(let name, let path, let available):
            return "\(path) has no component '\(name)'; it has: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case .config(let message): return "config: \(message)"
        case .callback(let error): return "\(error)"
        case .violation(let message): return "ABI rule broken: \(message)"
        case .state(let message): return "keyed state: \(message)"
        case .misuse(let message): return message
        case .input(let message): return message
        }
    }
}
