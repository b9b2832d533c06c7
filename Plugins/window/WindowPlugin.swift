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

// The optional callbacks the window implements (the kit wires only these;
// `streamhost plugin inspect` lists them). `snapshot` flushes the open
// slices into keyed state before the host captures it and writes no blob.
extension WindowOperator: WatermarkHandling, TimerHandling, Snapshotting {
    /// The window writes no operator blob, so there is nothing to read back:
    /// its state is all keyed state, which the host restores.
    func restore(stateVersion: UInt32, data: UnsafeRawBufferPointer, context: Context) throws {}
}
