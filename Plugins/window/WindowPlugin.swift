import StreamhostKit

/// The "window" plugin: an OPERATOR "window" that aggregates keyed records
/// over tumbling, sliding or session windows in event time.
let windowPlugin = PluginDefinition(name: "window", version: "1.0.0", components: [
    // Typed columns in (ABI 1.3): the aggregates read them without parsing
    // JSON; the results are JSON bytes.
    .operator(WindowOperator.self).formats(input: UInt32(SH_FORMAT_BYTES | SH_FORMAT_COLUMNS),
                                           output: UInt32(SH_FORMAT_BYTES)),
])

/// The plugin's one exported symbol.
@_cdecl("streamhost_plugin_entry")
public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
    windowPlugin.entry(host)
}
