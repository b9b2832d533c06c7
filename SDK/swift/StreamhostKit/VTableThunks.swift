import StreamhostABI

/// The vtable callbacks: one C function each, shared by every component.
///
/// `create` and `migrate` find the component's Swift registration from the
/// `sh_component` pointer the host passes (see `ComponentRegistry`); the
/// others reach the instance through `InstanceBox`. Every component gets
/// its own vtable, made once when its `sh_component` is built, with the
/// callbacks of its kind and of the optional protocols its type conforms
/// to (`OptionalCallbacks`); the other members stay NULL, so the host
/// applies the header's defaults and `plugin inspect` shows what the
/// component really implements.
///
/// Each instance thunk borrows the box with `_withUnsafeGuaranteedRef` (no
/// retain, no release), wraps the context, calls the instance and turns a
/// thrown error into `set_error` + `SH_ERROR`: nothing unwinds into the
/// host.
///
/// # Thread safety
/// Called by the host, one thread at a time per instance; `create` and
/// `migrate` may run on several threads at once for different contexts.
///
/// # Ownership
/// `self` is the pointer create returned (a retained `InstanceBox`); only
/// destroy releases it. The vtables are allocated once per component and
/// never freed.
enum VTableThunks {
    typealias Instance = Unmanaged<InstanceBox>

    /// Whether `vtable` is one this copy of the kit made (each plugin
    /// library carries its own kit): its `create` is this kit's. `create`
    /// is an ABI 1.0 member, so a foreign vtable is not read past its end.
    static func isKitVTable(_ vtable: UnsafePointer<sh_component_vtable>?) -> Bool {
        guard let vtable, let foreign = vtable.pointee.create else { return false }
        return unsafeBitCast(foreign, to: UnsafeRawPointer.self) == unsafeBitCast(create, to: UnsafeRawPointer.self)
    }

    /// A new vtable for a component of `kind` whose type implements
    /// `callbacks`.
    static func makeVTable(kind: sh_component_kind, callbacks: OptionalCallbacks) -> UnsafePointer<sh_component_vtable> {
        var table = sh_component_vtable()
        table.struct_size = UInt32(MemoryLayout<sh_component_vtable>.size)
        table.create = create
        table.destroy = destroy
        table.open = open
        table.close = close
        if kind == SH_KIND_SOURCE {
            table.poll = poll
        } else {
            table.process = process
            // Sources get no on_watermark/on_timer: their watermarks come
            // from the host's strategy or emitWatermark.
            if callbacks.contains(.watermark) { table.on_watermark = onWatermark }
            if callbacks.contains(.timer) { table.on_timer = onTimer }
        }
        if callbacks.contains(.snapshot) {
            table.snapshot = snapshot
            table.restore = restore
        }
        if callbacks.contains(.migrate) { table.migrate = migrate }
        if callbacks.contains(.checkpointHooks) {
            table.on_checkpoint = onCheckpoint
            table.on_checkpoint_complete = onCheckpointComplete
            table.on_checkpoint_abort = onCheckpointAbort
        }
        let pointer = UnsafeMutablePointer<sh_component_vtable>.allocate(capacity: 1)
        pointer.initialize(to: table)
        return UnsafePointer(pointer)
    }

    // MARK: Without an instance

    static let create: @convention(c) (
        OpaquePointer?, UnsafePointer<sh_component>?, UnsafePointer<CChar>?, Int,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> sh_status = { ctx, component, configJSON, configLength, out in
        guard let ctx, let out else { return Status.invalid }
        // Without a host table (entry was never called) there is no
        // set_error to explain the failure with; that is the host's bug.
        guard let host = HostTable.current else { return Status.invalid }
        let context = Context(rawContext: ctx, host: host)
        guard let registration = ComponentRegistry.registration(of: component) else {
            return refuseUnknownComponent("create", context)
        }
        // The header promises an object text ("{}" for no config); a NULL or
        // empty text from a host that breaks that promise reads as "{}".
        let json =
            if let configJSON, configLength > 0 {
                String(decoding: UnsafeRawBufferPointer(start: configJSON, count: configLength), as: UTF8.self)
            } else {
                "{}"
            }
        do {
            let box = try registration.pointee.make(context, Config(json: json, context: context))
            out.pointee = Unmanaged.passRetained(box).toOpaque()
            return Status.ok
        } catch {
            return context.fail(error)
        }
    }

    static let migrate: @convention(c) (
        OpaquePointer?, UnsafePointer<sh_component>?, UnsafePointer<sh_migration>?, UnsafeMutablePointer<sh_blob>?
    ) -> sh_status = { ctx, component, migration, out in
        guard let ctx, let migration, let out else { return Status.invalid }
        guard let host = HostTable.current else { return Status.invalid }
        let context = Context(rawContext: ctx, host: host)
        guard let registration = ComponentRegistry.registration(of: component) else {
            return refuseUnknownComponent("migrate", context)
        }
        // The kit sets migrate only in the vtables of Migrating types; a
        // host that calls it for another component broke the header.
        guard let migrator = registration.pointee.migrate else {
            let message = "StreamhostKit: migrate was called for \(registration.pointee.kindName) "
                + "'\(registration.pointee.name)', which does not conform to Migrating (its vtable has no migrate)"
            message.withCString { context.host.pointee.set_error!(context.rawContext, $0) }
            return Status.invalid
        }
        do {
            let data = try migrator(try Migration(migration), context)
            out.pointee = try hostBlob(data, host: host, callback: "migrate")
            return Status.ok
        } catch {
            return context.fail(error)
        }
    }

    /// Explains a component pointer the kit did not build and returns
    /// `SH_INVALID`: the host broke the header's promise to pass the
    /// pointer of the plugin's own descriptor.
    private static func refuseUnknownComponent(_ callback: String, _ context: Context) -> sh_status {
        let message = """
            StreamhostKit: \(callback) was called with a component that is not in this plugin's descriptor \
            (NULL, another plugin's, or a copy); the host must pass the sh_component pointer the descriptor lists
            """
        message.withCString { context.host.pointee.set_error!(context.rawContext, $0) }
        return Status.invalid
    }

    /// `bytes` copied into memory from `host->alloc`, which the host owns
    /// once the callback returns `SH_OK`. An empty blob still gets a
    /// non-NULL pointer (one byte is allocated): NULL data means "no state".
    private static func hostBlob(_ bytes: [UInt8], host: UnsafePointer<sh_host_api>, callback: String) throws -> sh_blob {
        guard let data = host.pointee.alloc!(Swift.max(bytes.count, 1)) else {
            throw PluginError.failed("\(callback): the host could not allocate \(bytes.count) bytes")
        }
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { data.copyMemory(from: base, byteCount: source.count) }
        }
        return sh_blob(data: data.assumingMemoryBound(to: UInt8.self), len: bytes.count)
    }

    // MARK: With an instance

    static let destroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { raw in
        guard let raw else { return }
        Instance.fromOpaque(raw).release()
    }

    static let open: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<sh_task_info>?) -> sh_status = {
        raw, ctx, info in
        guard let raw, let ctx, let info else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                try box.open(context, TaskInfo(info))
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }

    static let process: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<sh_batch>?) -> sh_status = {
        raw, ctx, batch in
        guard let raw, let ctx, let batch else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                try box.process(Batch(batch), context)
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }

    static let poll: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UInt32) -> sh_status = {
        raw, ctx, max in
        guard let raw, let ctx else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                return try box.poll(Int(max), context).status
            } catch {
                return context.fail(error)
            }
        }
    }

    static let close: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?) -> sh_status = { raw, ctx in
        guard let raw, let ctx else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                try box.close(context)
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }

    static let onWatermark: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, Int64) -> sh_status = {
        raw, ctx, watermark in
        guard let raw, let ctx else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                try box.onWatermark(watermark, context)
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }

    static let onTimer: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<sh_timer>?) -> sh_status = {
        raw, ctx, timer in
        guard let raw, let ctx, let timer else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                try box.onTimer(Timer(timer), context)
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }

    static let snapshot: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, Int64, UnsafeMutablePointer<sh_blob>?) -> sh_status = {
        raw, ctx, checkpointID, out in
        guard let raw, let ctx, let out else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                guard let state = try box.snapshot(checkpointID, context) else {
                    out.pointee = sh_blob(data: nil, len: 0)
                    return Status.ok
                }
                // An empty state is not "no state": hostBlob gives it a
                // non-NULL pointer.
                out.pointee = try hostBlob(state, host: box.host, callback: "snapshot")
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }

    static let onCheckpoint: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, Int64) -> sh_status = {
        raw, ctx, checkpointID in checkpointCall(raw, ctx, .barrier, checkpointID)
    }

    static let onCheckpointComplete: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, Int64) -> sh_status = {
        raw, ctx, checkpointID in checkpointCall(raw, ctx, .complete, checkpointID)
    }

    static let onCheckpointAbort: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, Int64) -> sh_status = {
        raw, ctx, checkpointID in checkpointCall(raw, ctx, .abort, checkpointID)
    }

    private static func checkpointCall(
        _ raw: UnsafeMutableRawPointer?, _ ctx: OpaquePointer?, _ event: CheckpointEvent, _ checkpointID: Int64
    ) -> sh_status {
        guard let raw, let ctx else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                try box.onCheckpoint(event, checkpointID, context)
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }

    static let restore: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UInt32, UnsafePointer<UInt8>?, Int) -> sh_status = {
        raw, ctx, stateVersion, data, length in
        guard let raw, let ctx else { return Status.invalid }
        return Instance.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            let context = Context(rawContext: ctx, host: box.host)
            do {
                try box.restore(stateVersion, UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length), context)
                return Status.ok
            } catch {
                return context.fail(error)
            }
        }
    }
}
