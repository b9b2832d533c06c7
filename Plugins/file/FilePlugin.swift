import StreamhostKit

/// The "file" plugin: a SOURCE "file" that reads JSON Lines or CSV files and
/// a SINK "file" that writes them atomically.
let filePlugin = PluginDefinition(
    name: "file", version: "1.0.0", components: [.source(FileSource.self), .sink(FileSink.self)])

/// The plugin's one exported symbol.
@_cdecl("streamhost_plugin_entry")
public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
    filePlugin.entry(host)
}

// The optional callbacks the file sink implements (the kit wires only
// these; `streamhost plugin inspect` lists them): its part files are
// committed through the checkpoint protocol and kept in its operator blob.
// The file source implements none.
extension FileSink: Snapshotting, Migrating, CheckpointHooks {}
