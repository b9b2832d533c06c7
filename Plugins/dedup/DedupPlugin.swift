import StreamhostKit

/// The "dedup" plugin: one operator, "dedup".
let dedupPlugin = PluginDefinition(name: "dedup", version: "1.0.0", components: [.operator(Dedup.self)])

/// The plugin's one exported symbol.
@_cdecl("streamhost_plugin_entry")
public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
    dedupPlugin.entry(host)
}

// The optional callbacks dedup implements (the kit wires only these;
// `streamhost plugin inspect` lists them): its TTL timers.
extension Dedup: TimerHandling {}
