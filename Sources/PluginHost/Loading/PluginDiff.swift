import Core

/// What a component's state version says about moving its state from one
/// build to another: the rule a restore and a hot swap apply (a component
/// may not be older than its state; a newer one migrates it).
public enum StateVersionChange: Sendable, Equatable {
    /// Both builds write the same layout: the state is restored as it is.
    case same
    /// The new build's layout is newer: every piece of state goes through
    /// the new build's `migrate` (refused when it has none).
    case needsMigrate(from: UInt32, to: UInt32)
    /// The new build's layout is older than the state: refused.
    case olderThanState(state: UInt32, component: UInt32)

    /// The change from state written by a component of `old` to a
    /// component of `new`.
    public init(old: UInt32, new: UInt32) {
        if new == old {
            self = .same
        } else if new > old {
            self = .needsMigrate(from: old, to: new)
        } else {
            self = .olderThanState(state: old, component: new)
        }
    }
}

/// How two builds of one plugin differ, as `streamhost plugin diff OLD NEW`
/// shows it: versions, functions, and per component the state version,
/// config schema and callbacks, with what a hot swap from OLD to NEW
/// would meet.
///
/// # Thread safety
/// A value; computed from two loaded plugins, which stay loaded.
public struct PluginDiff: Sendable {
    public let old: LoadedPlugin
    public let new: LoadedPlugin

    /// One component's comparison, matched by kind and name.
    public struct ComponentDiff: Sendable {
        public let kind: ComponentKind
        public let name: String
        /// Nil when only the new build has it.
        public let old: Component?
        /// Nil when only the old build has it.
        public let new: Component?

        /// The state-version rule from old to new; nil unless both builds
        /// have the component.
        public var stateChange: StateVersionChange? {
            guard let old, let new else { return nil }
            return StateVersionChange(old: old.stateVersion, new: new.stateVersion)
        }

        /// Whether a swap needs the new build's `migrate` (its state
        /// version grew).
        public var needsMigrate: Bool {
            if case .needsMigrate = stateChange { return true }
            return false
        }

        /// Whether the new build declares `migrate`.
        public var newDeclaresMigrate: Bool { new?.providedCallbacks.contains("migrate") ?? false }

        public var callbacksAdded: [String] {
            guard let old, let new else { return [] }
            return new.providedCallbacks.filter { !old.providedCallbacks.contains($0) }
        }

        public var callbacksRemoved: [String] {
            guard let old, let new else { return [] }
            return old.providedCallbacks.filter { !new.providedCallbacks.contains($0) }
        }

        /// The config schema's differences, one line each: properties
        /// added, removed or changed, `required` changes, or the whole
        /// schema when it is not an object schema with properties; empty
        /// when the schemas are equal as JSON.
        public var configSchemaChanges: [String] {
            guard let old, let new else { return [] }
            return PluginDiff.schemaChanges(old: old.configSchemaText, new: new.configSchemaText)
        }

        /// Other metadata that changed: "description", "inputs", "takes",
        /// "emits", with both values.
        public var otherChanges: [String] {
            guard let old, let new else { return [] }
            var changes: [String] = []
            if old.description != new.description { changes.append("description: '\(old.description)' -> '\(new.description)'") }
            if old.inputCount != new.inputCount { changes.append("inputs: \(old.inputCount) -> \(new.inputCount)") }
            if old.inputFormats != new.inputFormats { changes.append("takes: \(old.inputFormats) -> \(new.inputFormats)") }
            if old.outputFormats != new.outputFormats { changes.append("emits: \(old.outputFormats) -> \(new.outputFormats)") }
            return changes
        }

        /// What a hot swap from the old build to the new one meets for a
        /// step running this component, in one sentence.
        public var swapVerdict: String {
            guard let old else { return "new in this build: no running step uses it yet" }
            guard let new else {
                return "missing from the new build: a job with a step running it cannot swap to it"
            }
            switch StateVersionChange(old: old.stateVersion, new: new.stateVersion) {
            case .same:
                return "state_version \(new.stateVersion) in both: the state is restored as it is, no migrate needed"
            case .needsMigrate(let from, let to):
                if newDeclaresMigrate {
                    return "state_version \(from) -> \(to): a swap needs migrate, and the new build declares it "
                        + "(the swap checks it against a savepoint of the running state before stopping)"
                }
                return "state_version \(from) -> \(to): a swap needs migrate, and the new build does NOT declare it: "
                    + "a step with state would be refused"
            case .olderThanState(let state, let component):
                return "state_version \(state) -> \(component): the new build is older than the state; "
                    + "a swap is refused (a build restores state of its own version or older)"
            }
        }
    }

    /// The components of both builds, the old build's order first, then
    /// those only the new build has.
    public let components: [ComponentDiff]

    public init(old: LoadedPlugin, new: LoadedPlugin) {
        self.old = old
        self.new = new
        var diffs: [ComponentDiff] = []
        for component in old.components {
            let match = new.components.first { $0.kind == component.kind && $0.name == component.name }
            diffs.append(ComponentDiff(kind: component.kind, name: component.name, old: component, new: match))
        }
        for component in new.components
        where !old.components.contains(where: { $0.kind == component.kind && $0.name == component.name }) {
            diffs.append(ComponentDiff(kind: component.kind, name: component.name, old: nil, new: component))
        }
        components = diffs
    }

    /// Whether the two files are builds of one plugin (same name): a swap
    /// replaces a plugin by name.
    public var samePlugin: Bool { old.name == new.name }

    /// UDFs added, removed or with another signature, one line each.
    public var functionChanges: [String] {
        var changes: [String] = []
        for function in old.functions {
            guard let other = new.functions.first(where: { $0.name == function.name }) else {
                changes.append("function \(function.name): removed")
                continue
            }
            if other != function {
                changes.append("function \(function.name): \(function.signature)"
                    + (function.isVectorized ? " vectorized" : "") + " -> \(other.signature)"
                    + (other.isVectorized ? " vectorized" : ""))
            }
        }
        for function in new.functions where !old.functions.contains(where: { $0.name == function.name }) {
            changes.append("function \(function.name): added (\(function.signature))")
        }
        return changes
    }

    /// The differences of two config schema texts (nil: no config).
    static func schemaChanges(old: String?, new: String?) -> [String] {
        let oldValue = old.flatMap { try? JSONValue.parse($0) }
        let newValue = new.flatMap { try? JSONValue.parse($0) }
        if oldValue == newValue { return [] }
        guard let oldSchema = oldValue?.objectValue, let newSchema = newValue?.objectValue,
              let oldProperties = oldSchema["properties"]?.objectValue,
              let newProperties = newSchema["properties"]?.objectValue
        else {
            return ["schema: \(old ?? "none") -> \(new ?? "none")"]
        }
        var changes: [String] = []
        for (name, value) in oldProperties {
            guard let other = newProperties[name] else {
                changes.append("property '\(name)' removed")
                continue
            }
            if other != value { changes.append("property '\(name)': \(value.serialized()) -> \(other.serialized())") }
        }
        for (name, value) in newProperties where !oldProperties.contains(key: name) {
            changes.append("property '\(name)' added: \(value.serialized())")
        }
        let oldRequired = Set((oldSchema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let newRequired = Set((newSchema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        for name in newRequired.subtracting(oldRequired).sorted() { changes.append("'\(name)' now required") }
        for name in oldRequired.subtracting(newRequired).sorted() { changes.append("'\(name)' no longer required") }
        // Anything else (additionalProperties, a type...): the rest of the
        // schema as a whole.
        var oldRest = oldSchema
        var newRest = newSchema
        for key in ["properties", "required"] {
            _ = oldRest.removeValue(forKey: key)
            _ = newRest.removeValue(forKey: key)
        }
        if oldRest != newRest {
            changes.append("schema: \(JSONValue.object(oldRest).serialized()) -> \(JSONValue.object(newRest).serialized())")
        }
        return changes
    }
}
