import StreamhostABI

/// The `create` functions of the vtables: one C function per component.
///
/// `create` gets no component pointer, only a context and the config, so
/// the host's choice of component must be encoded in which function it
/// calls. C function pointers cannot capture a type or a value, so the kit
/// has a fixed set of 32 non-generic create functions, each bound to a
/// slot of a table that registration fills with the component's factory.
/// 32 components per process image is a bound, not a design limit: a
/// plugin with more components needs a larger table here.
///
/// # Thread safety
/// Slots are written under `ComponentRegistry`'s lock before the descriptor
/// that names them is returned to the host, and only read afterwards; a
/// slot is never rewritten.
///
/// # Ownership
/// The table and the factories live as long as the process.
enum CreateSlots {
    typealias Function = @convention(c) (
        OpaquePointer?, UnsafePointer<CChar>?, Int, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> sh_status

    typealias Factory = (Context, Config) throws -> InstanceBox

    /// Components per process image.
    static let capacity = 32

    nonisolated(unsafe) static let factories: UnsafeMutablePointer<Factory?> = {
        let table = UnsafeMutablePointer<Factory?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        return table
    }()

    /// One C function per slot; none captures anything.
    static let functions: [Function] = [
        { CreateSlots.create(slot: 0, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 1, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 2, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 3, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 4, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 5, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 6, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 7, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 8, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 9, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 10, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 11, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 12, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 13, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 14, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 15, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 16, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 17, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 18, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 19, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 20, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 21, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 22, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 23, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 24, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 25, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 26, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 27, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 28, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 29, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 30, $0, $1, $2, $3) },
        { CreateSlots.create(slot: 31, $0, $1, $2, $3) },
    ]

    /// The body of every create function.
    static func create(
        slot: Int, _ ctx: OpaquePointer?, _ configJSON: UnsafePointer<CChar>?, _ configLength: Int,
        _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> sh_status {
        guard let ctx, let out else { return Status.invalid }
        // Without a host table (entry was never called) there is no
        // set_error to explain the failure with; that is the host's bug.
        guard let host = HostTable.current, let factory = factories[slot] else { return Status.invalid }
        let context = Context(rawContext: ctx, host: host)
        let json: String
        if let configJSON {
            json = configLength > 0
                ? String(decoding: UnsafeRawBufferPointer(start: configJSON, count: configLength), as: UTF8.self)
                : String(cString: configJSON)
        } else {
            json = "{}"
        }
        do {
            let box = try factory(context, Config(json: json, context: context))
            out.pointee = Unmanaged.passRetained(box).toOpaque()
            return Status.ok
        } catch {
            return context.fail(error)
        }
    }
}
