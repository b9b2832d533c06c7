import StreamhostKit

/// The "big-orders-swift" plugin: one operator.
let bigOrdersPlugin = PluginDefinition(
    name: "big-orders-swift", version: "1.0.0", components: [.operator(BigOrders.self)])

/// The plugin's one entry point: the kit does the rest.
@_cdecl("streamhost_plugin_entry")
public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
    bigOrdersPlugin.entry(host)
}
