#if canImport(Glibc)
import Glibc
#endif
import Core
import StreamhostABI

/// The checkpoint callbacks: operator blobs (snapshot, restore, migrate)
/// and the two-phase-commit notifications.
extension ComponentInstance {
    /// Whether the component keeps operator-level state.
    public var hasSnapshot: Bool { component.vtable.pointee.snapshot != nil }

    /// Calls snapshot; returns the operator blob, or nil when the component
    /// has no snapshot callback or wrote no state (NULL data).
    public func snapshot(checkpointID: Int64) throws(PluginCallError) -> [UInt8]? {
        guard let snapshot = component.vtable.pointee.snapshot else { return nil }
        var blob = sh_blob(data: nil, len: 0)
        let status = call("snapshot") { snapshot(instancePointer, context.opaque, checkpointID, &blob) }
        defer { if let data = blob.data { free(data) } }
        try check(status, "snapshot")
        guard let data = blob.data else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: blob.len))
    }

    /// Calls restore with one blob of the component's current state version
    /// (after migration). Components without restore ignore their state.
    public func restore(stateVersion: UInt32, blob: [UInt8]) throws(PluginCallError) {
        guard let restore = component.vtable.pointee.restore else { return }
        let status = call("restore") {
            blob.withUnsafeBufferPointer { bytes in
                restore(instancePointer, context.opaque, stateVersion, bytes.baseAddress ?? HostAPI.emptyBytes, bytes.count)
            }
        }
        try check(status, "restore")
    }

    /// The barrier of `checkpointID` reached this instance: pre-commit.
    public func onCheckpoint(_ checkpointID: Int64) throws(PluginCallError) {
        guard let callback = component.vtable.pointee.on_checkpoint else { return }
        let status = call("on_checkpoint") { callback(instancePointer, context.opaque, checkpointID) }
        try check(status, "on_checkpoint")
    }

    /// The checkpoint is complete everywhere: commit.
    public func onCheckpointComplete(_ checkpointID: Int64) throws(PluginCallError) {
        guard let callback = component.vtable.pointee.on_checkpoint_complete else { return }
        let status = call("on_checkpoint_complete") { callback(instancePointer, context.opaque, checkpointID) }
        try check(status, "on_checkpoint_complete")
    }

    /// The checkpoint failed: discard what was pre-committed for it.
    public func onCheckpointAbort(_ checkpointID: Int64) throws(PluginCallError) {
        guard let callback = component.vtable.pointee.on_checkpoint_abort else { return }
        let status = call("on_checkpoint_abort") { callback(instancePointer, context.opaque, checkpointID) }
        try check(status, "on_checkpoint_abort")
    }
}

/// One old value or blob to migrate to a component's current state version.
public struct MigrationRequest: Sendable {
    public enum Kind: Sendable { case keyedValue, mapEntry, operatorBlob }
    public var kind: Kind
    public var fromVersion: UInt32
    public var toVersion: UInt32
    /// The keyed state's name; nil for operator blobs.
    public var stateName: String?
    public var fromPluginVersion: String
    public var key: [UInt8]?
    public var data: [UInt8]

    public init(kind: Kind, fromVersion: UInt32, toVersion: UInt32, stateName: String?, fromPluginVersion: String,
                key: [UInt8]?, data: [UInt8]) {
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.stateName = stateName
        self.fromPluginVersion = fromPluginVersion
        self.key = key
        self.data = data
    }
}

extension Component {
    /// Whether the component can migrate state at all (its migrate callback
    /// is not NULL; without one every version change is refused).
    public var canMigrate: Bool { vtable.pointee.migrate != nil }

    /// Calls migrate for one old value or blob and returns the new bytes.
    /// `context` supplies the ctx for set_error (no instance exists yet).
    /// A refusal (or a component without migrate) throws, naming the
    /// state, both state versions and the old plugin version.
    public func migrate(_ request: MigrationRequest, context: InstanceContext) throws(PluginCallError) -> [UInt8] {
        let migrator = Migrator(component: self, fromVersion: request.fromVersion, toVersion: request.toVersion,
                                fromPluginVersion: request.fromPluginVersion, context: context)
        return try migrator.migrate(request.kind, stateName: request.stateName, key: request.key, data: request.data)
    }
}

/// Calls a component's migrate hook for many values of one restore (the
/// same versions every time): the C strings are made once, and each call
/// passes the bytes it is given without copying them.
///
/// # Thread safety
/// One thread at a time (it reuses its context); use one per thread.
public final class Migrator {
    public let component: Component
    public let fromVersion: UInt32
    public let toVersion: UInt32
    public let fromPluginVersion: String
    private let context: InstanceContext
    private let fromPluginVersionC: UnsafeMutablePointer<CChar>
    private var stateNames: [String: UnsafeMutablePointer<CChar>] = [:]

    public init(component: Component, fromVersion: UInt32, toVersion: UInt32, fromPluginVersion: String,
                context: InstanceContext) {
        self.component = component
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.fromPluginVersion = fromPluginVersion
        self.context = context
        fromPluginVersionC = strdup(fromPluginVersion)
    }

    deinit {
        free(fromPluginVersionC)
        for pointer in stateNames.values { free(pointer) }
    }

    /// Migrates one value (or blob, with `stateName` nil) and returns its
    /// new bytes; a refusal throws, naming the state and both versions.
    public func migrate(_ kind: MigrationRequest.Kind, stateName: String?, key: [UInt8]?, data: [UInt8])
        throws(PluginCallError) -> [UInt8]
    {
        guard let migrate = component.vtable.pointee.migrate else {
            throw refusal(stateName, "the component has no migrate callback, so it refuses every version change")
        }
        var name: UnsafeMutablePointer<CChar>?
        if let stateName {
            if let known = stateNames[stateName] {
                name = known
            } else {
                name = strdup(stateName)
                stateNames[stateName] = name
            }
        }
        var blob = sh_blob(data: nil, len: 0)
        // Calls that produce output or touch state are refused inside it
        // (`InstanceContext.refuseInMigrate`).
        context.isMigrating = true
        defer { context.isMigrating = false }
        let status: sh_status = context.runCallback { data.withUnsafeBufferPointer { data in
            func call(_ key: UnsafeBufferPointer<UInt8>?) -> sh_status {
                var migration = sh_migration(
                    struct_size: UInt32(MemoryLayout<sh_migration>.size), kind: kind.raw, from_version: fromVersion,
                    to_version: toVersion, state_name: UnsafePointer(name), from_plugin_version: UnsafePointer(fromPluginVersionC),
                    key: key.map { $0.baseAddress ?? HostAPI.emptyBytes }, key_len: key?.count ?? 0,
                    data: data.baseAddress ?? HostAPI.emptyBytes, len: data.count)
                return migrate(context.opaque, component.raw, &migration, &blob)
            }
            guard let key else { return call(nil) }
            return key.withUnsafeBufferPointer { call($0) }
        } }
        defer { if let bytes = blob.data { free(bytes) } }
        guard status == Status.ok else {
            throw refusal(stateName, context.callbackError ?? "returned \(Status.name(status)) without calling set_error")
        }
        guard let bytes = blob.data else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: blob.len))
    }

    private func refusal(_ stateName: String?, _ message: String) -> PluginCallError {
        let what = stateName.map { "keyed state '\($0)'" } ?? "operator state"
        return PluginCallError(
            stepID: context.stepID, instance: context.instance, component: component.name,
            pluginPath: component.pluginPath, callback: "migrate",
            message: "cannot migrate \(what) from state_version \(fromVersion) (plugin \(fromPluginVersion)) "
                + "to state_version \(toVersion) (plugin \(component.pluginVersion)): \(message)")
    }
}

extension MigrationRequest.Kind {
    var raw: sh_migration_kind {
        switch self {
        case .keyedValue: return SH_MIGRATE_KEYED_VALUE
        case .mapEntry: return SH_MIGRATE_MAP_ENTRY
        case .operatorBlob: return SH_MIGRATE_OPERATOR_BLOB
        }
    }
}
