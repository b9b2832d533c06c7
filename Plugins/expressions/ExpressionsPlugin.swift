import StreamhostKit

/// The "expressions" plugin: OPERATORs "filter" (keep records where an
/// expression is true), "map" (set fields from expressions) and
/// "project" (keep, drop and rename fields).
///
/// Expressions are compiled when an instance is created (job start), and
/// the host checks them earlier still, at plan time, with their place in
/// the job file: config values whose schema carries
/// `"x-streamhost-expression"` (`"boolean"` for a condition, `true` for any
/// value) are expressions.
let expressionsPlugin = PluginDefinition(
    name: "expressions", version: "1.0.0",
    components: [.operator(FilterOperator.self), .operator(MapOperator.self), .operator(ProjectOperator.self)])

/// The plugin's one exported symbol.
@_cdecl("streamhost_plugin_entry")
public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
    expressionsPlugin.entry(host)
}
