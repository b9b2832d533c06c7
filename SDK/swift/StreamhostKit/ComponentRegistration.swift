import StreamhostABI

/// One component of a plugin, made with `.source(T.self)`,
/// `.operator(T.self)` or `.sink(T.self)` in a `PluginDefinition`.
///
/// # Thread safety
/// Immutable; `@unchecked Sendable` because its closures capture a
/// component metatype, which Swift 6.0 cannot mark as sendable.
///
/// # Ownership
/// A value: it holds the type's metadata and two closures, nothing the host
/// sees until the definition is built. `ComponentRegistry` then keeps a
/// copy for the life of the process, found again from the `sh_component`
/// the host passes to create and migrate.
public struct ComponentRegistration: @unchecked Sendable {
    /// Makes an instance of the component and boxes it for the vtable.
    typealias Factory = (Context, Config) throws -> InstanceBox

    /// Calls the component type's `migrate(_:context:)`.
    typealias Migrator = (Migration, Context) throws -> [UInt8]

    let kind: sh_component_kind
    let type: ObjectIdentifier
    let name: String
    let description: String
    let configSchema: String?
    let stateVersion: UInt32
    let inputCount: UInt32
    let inputFormats: RecordFormats
    let outputFormats: RecordFormats
    /// The optional callback protocols the type conforms to: the vtable
    /// members the kit sets besides its kind's.
    let callbacks: OptionalCallbacks
    let make: Factory
    /// The type's `Migrating.migrate`; nil when it does not conform.
    let migrate: Migrator?

    /// A source component of type `type`.
    public static func source<T: Source>(_ type: T.Type) -> ComponentRegistration {
        ComponentRegistration(kind: SH_KIND_SOURCE, componentType: type, inputCount: 0) { context, config in
            SourceBox(instance: try T(context: context, config: config), host: context.host)
        }
    }

    /// An operator component of type `type`.
    public static func `operator`<T: Operator>(_ type: T.Type) -> ComponentRegistration {
        precondition(T.inputCount >= 1, "\(T.self).inputCount must be at least 1")
        return ComponentRegistration(kind: SH_KIND_OPERATOR, componentType: type, inputCount: UInt32(T.inputCount)) {
            context, config in
            OperatorBox(instance: try T(context: context, config: config), host: context.host)
        }
    }

    /// A sink component of type `type`.
    public static func sink<T: Sink>(_ type: T.Type) -> ComponentRegistration {
        ComponentRegistration(kind: SH_KIND_SINK, componentType: type, inputCount: 1) { context, config in
            SinkBox(instance: try T(context: context, config: config), host: context.host)
        }
    }

    private init<T: Component>(
        kind: sh_component_kind, componentType: T.Type, inputCount: UInt32, make: @escaping Factory
    ) {
        self.kind = kind
        self.type = ObjectIdentifier(componentType)
        self.name = T.name
        self.description = T.description
        self.configSchema = T.configSchema
        self.stateVersion = T.stateVersion
        self.inputCount = inputCount
        self.inputFormats = T.inputFormats
        self.outputFormats = T.outputFormats
        self.make = make
        self.callbacks = OptionalCallbacks.implemented(by: componentType)
        // Cast once here, so that a migrate call needs no conformance lookup.
        self.migrate = (componentType as? any Migrating.Type).map { migrating -> Migrator in
            { migration, context in try migrating.migrate(migration, context: context) }
        }
    }

    /// "source", "operator" or "sink", for messages.
    var kindName: String {
        switch kind {
        case SH_KIND_SOURCE: "source"
        case SH_KIND_OPERATOR: "operator"
        default: "sink"
        }
    }
}
