import StreamhostABI

/// The vtable callbacks other than create: one C function each, shared by
/// every component, reaching the instance through `InstanceBox`.
///
/// Each thunk borrows the box with `_withUnsafeGuaranteedRef` (no retain,
/// no release), wraps the context, calls the instance and turns a thrown
/// error into `set_error` + `SH_ERROR`: nothing unwinds into the host.
///
/// # Thread safety
/// Called by the host, one thread at a time per instance.
///
/// # Ownership
/// `self` is the pointer create returned (a retained `InstanceBox`); only
/// destroy releases it.
enum VTableThunks {
    typealias Instance = Unmanaged<InstanceBox>

    /// A vtable for `kind` whose create is `create`; allocated once per
    /// component and never freed.
    static func make(kind: sh_component_kind, create: CreateSlots.Function) -> UnsafePointer<sh_component_vtable> {
        var table = sh_component_vtable()
        table.struct_size = UInt32(MemoryLayout<sh_component_vtable>.size)
        table.create = create
        table.destroy = destroy
        table.open = open
        table.close = close
        table.snapshot = snapshot
        table.restore = restore
        switch kind {
        case SH_KIND_SOURCE: table.poll = poll
        default: table.process = process
        }
        // on_watermark, on_timer, migrate and the checkpoint callbacks stay
        // NULL: the header's defaults (forward the watermark, refuse a
        // state-version change, nothing to commit) are what the kit offers.
        let pointer = UnsafeMutablePointer<sh_component_vtable>.allocate(capacity: 1)
        pointer.initialize(to: table)
        return UnsafePointer(pointer)
    }

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
                // An empty state is not "no state": it still needs a
                // non-NULL pointer, so allocate at least one byte.
                guard let data = box.host.pointee.alloc!(Swift.max(state.count, 1)) else {
                    throw PluginError.failed("snapshot: the host could not allocate \(state.count) bytes")
                }
                state.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress { data.copyMemory(from: base, byteCount: bytes.count) }
                }
                out.pointee = sh_blob(data: data.assumingMemoryBound(to: UInt8.self), len: state.count)
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
