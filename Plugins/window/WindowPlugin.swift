import StreamhostKit

/// The "window" plugin: an OPERATOR "window" that aggregates keyed records
/// over tumbling, sliding or session windows in event time.
let windowPlugin = PluginDefinition(name: "window", version: "1.0.0", components: [
    .operator(WindowOperator.self),
])

/// The plugin's one exported symbol.
@_cdecl("streamhost_plugin_entry")
public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
    windowPlugin.entry(host)
}
