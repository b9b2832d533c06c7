import StreamhostKit

/// The "join" plugin: one operator, "join" (an interval join of two keyed
/// inputs).
let joinPlugin = PluginDefinition(name: "join", version: "1.0.0", components: [.operator(IntervalJoin.self)])

/// The plugin's one exported symbol.
@_cdecl("streamhost_plugin_entry")
public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
    joinPlugin.entry(host)
}

// The optional callbacks the join implements (the kit wires only these;
// `streamhost plugin inspect` lists them): the timers that expire buffered
// rows.
extension IntervalJoin: TimerHandling {}
