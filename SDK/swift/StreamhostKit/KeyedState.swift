import StreamhostABI

/// A keyed value state: one value per key, kept by the host (ABI rule 9),
/// so checkpoints and rescaling need nothing from the plugin.
///
/// Register it in `open(context:info:)` with `Context.valueState(named:ttlMs:)`
/// and keep it in the instance; use it from any later callback with that
/// callback's context. Keys must be keys of records that came through
/// `key_by` (or timers' keys): the host owns state by key group.
public struct ValueState: Sendable, Hashable {
    public let id: sh_state_id
    public let name: String
}

/// A keyed map state: per key, a map from user keys to values (a window's
/// accumulators by window start, for instance).
public struct MapState: Sendable, Hashable {
    public let id: sh_state_id
    public let name: String
}

/// The clock a timer follows.
public enum TimeDomain: Sendable, Hashable {
    /// Fires when the watermark passes the timer's time.
    case eventTime
    /// Fires when the host's clock passes the timer's time.
    case processingTime

    @usableFromInline
    var cValue: sh_time_domain { self == .eventTime ? SH_TIME_EVENT : SH_TIME_PROCESSING }
}

/// A fired timer, passed to `onTimer`. `key` is BORROWED for the call.
public struct Timer {
    public let domain: TimeDomain
    public let time: Int64
    public let key: UnsafeRawBufferPointer

    init(_ timer: UnsafePointer<sh_timer>) {
        let t = timer.pointee
        domain = t.domain == SH_TIME_EVENT ? .eventTime : .processingTime
        time = t.time
        key = UnsafeRawBufferPointer(start: t.key, count: t.key_len)
    }
}

extension Context {
    // MARK: Registering

    /// Registers (in `open`) a keyed value state; `ttlMs` > 0 expires a
    /// value that long after its last write.
    public func valueState(named name: String, ttlMs: Int64 = 0) throws -> ValueState {
        ValueState(id: try register(name, kind: SH_STATE_VALUE, ttlMs: ttlMs), name: name)
    }

    /// Registers (in `open`) a keyed map state; `ttlMs` > 0 expires an
    /// entry that long after its last write.
    public func mapState(named name: String, ttlMs: Int64 = 0) throws -> MapState {
        MapState(id: try register(name, kind: SH_STATE_MAP, ttlMs: ttlMs), name: name)
    }

    private func register(_ name: String, kind: sh_state_kind, ttlMs: Int64) throws -> sh_state_id {
        var id: sh_state_id = 0
        let status = name.withCString { namePointer in
            var descriptor = sh_state_desc(
                struct_size: UInt32(MemoryLayout<sh_state_desc>.size), kind: kind, name: namePointer, ttl_ms: ttlMs)
            return host.pointee.state_register!(rawContext, &descriptor, &id)
        }
        if status != Status.ok { throw failure("state_register('\(name)')", status) }
        return id
    }

    // MARK: Value state

    /// The key's value, BORROWED until the next host call on this context,
    /// or `nil` when there is none.
    @inlinable
    public func get(_ state: ValueState, key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var value: UnsafePointer<UInt8>?
        var length = 0
        let status = host.pointee.state_get!(rawContext, state.id, Context.bytes(key), key.count, &value, &length)
        if status == Status.notFound { return nil }
        if status != Status.ok { throw failure("state_get('\(state.name)')", status) }
        return UnsafeRawBufferPointer(start: value, count: length)
    }

    /// Sets the key's value; the host copies it.
    @inlinable
    public func put(_ state: ValueState, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws {
        let status = host.pointee.state_put!(
            rawContext, state.id, Context.bytes(key), key.count, Context.bytes(value), value.count)
        if status != Status.ok { throw failure("state_put('\(state.name)')", status) }
    }

    /// Removes the key's value (no-op when there is none).
    @inlinable
    public func delete(_ state: ValueState, key: UnsafeRawBufferPointer) throws {
        let status = host.pointee.state_delete!(rawContext, state.id, Context.bytes(key), key.count)
        if status != Status.ok { throw failure("state_delete('\(state.name)')", status) }
    }

    // MARK: Map state

    /// The value at `userKey` in the key's map, BORROWED until the next host
    /// call on this context, or `nil`.
    @inlinable
    public func get(_ state: MapState, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer) throws
        -> UnsafeRawBufferPointer?
    {
        var value: UnsafePointer<UInt8>?
        var length = 0
        let status = host.pointee.state_map_get!(
            rawContext, state.id, Context.bytes(key), key.count, Context.bytes(userKey), userKey.count, &value, &length)
        if status == Status.notFound { return nil }
        if status != Status.ok { throw failure("state_map_get('\(state.name)')", status) }
        return UnsafeRawBufferPointer(start: value, count: length)
    }

    /// Sets `userKey` in the key's map; the host copies both.
    @inlinable
    public func put(
        _ state: MapState, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer
    ) throws {
        let status = host.pointee.state_map_put!(
            rawContext, state.id, Context.bytes(key), key.count, Context.bytes(userKey), userKey.count,
            Context.bytes(value), value.count)
        if status != Status.ok { throw failure("state_map_put('\(state.name)')", status) }
    }

    /// Removes `userKey` from the key's map (no-op when absent).
    @inlinable
    public func delete(_ state: MapState, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer) throws {
        let status = host.pointee.state_map_delete!(
            rawContext, state.id, Context.bytes(key), key.count, Context.bytes(userKey), userKey.count)
        if status != Status.ok { throw failure("state_map_delete('\(state.name)')", status) }
    }

    /// Visits the key's map in ascending user-key byte order until `body`
    /// returns false. Both buffers are BORROWED for the visit; no host call
    /// may be made from `body`.
    public func forEach(
        _ state: MapState, key: UnsafeRawBufferPointer,
        _ body: (_ userKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        typealias Visit = (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
        var thrown: (any Error)?
        let status: sh_status = withoutActuallyEscaping(body) { body in
            var visit: Visit = { userKey, value in
                do {
                    return try body(userKey, value)
                } catch {
                    thrown = error
                    return false
                }
            }
            return withUnsafeMutablePointer(to: &visit) { visitPointer in
                host.pointee.state_map_iterate!(
                    rawContext, state.id, Context.bytes(key), key.count,
                    { user, userKey, userKeyLength, value, valueLength in
                        let visit = user!.assumingMemoryBound(to: Visit.self).pointee
                        let goOn = visit(UnsafeRawBufferPointer(start: userKey, count: userKeyLength),
                                         UnsafeRawBufferPointer(start: value, count: valueLength))
                        return goOn ? Status.ok : Status.end
                    }, visitPointer)
            }
        }
        if let thrown { throw thrown }
        if status != Status.ok && status != Status.end { throw failure("state_map_iterate('\(state.name)')", status) }
    }

    // MARK: Timers

    /// Registers a timer for `key` at `time` (one per key, domain and time:
    /// registering it again is a no-op). It fires through `onTimer` once
    /// the watermark (event time) or the clock (processing time) passes it.
    @inlinable
    public func registerTimer(_ domain: TimeDomain, key: UnsafeRawBufferPointer, time: Int64) throws {
        let status = host.pointee.timer_register!(rawContext, domain.cValue, Context.bytes(key), key.count, time)
        if status != Status.ok { throw failure("timer_register", status) }
    }

    /// Deletes a timer (no-op when there is none).
    @inlinable
    public func deleteTimer(_ domain: TimeDomain, key: UnsafeRawBufferPointer, time: Int64) throws {
        let status = host.pointee.timer_delete!(rawContext, domain.cValue, Context.bytes(key), key.count, time)
        if status != Status.ok { throw failure("timer_delete", status) }
    }

    // MARK: Event time and side outputs

    /// Sources whose step says `watermarks: {strategy: source}`: no record
    /// with a timestamp <= `watermark` follows from this instance.
    public func emitWatermark(_ watermark: Int64) throws {
        let status = host.pointee.emit_watermark!(rawContext, watermark)
        if status != Status.ok { throw failure("emit_watermark", status) }
    }

    /// Sends a record to the named side output (late records, for instance).
    public func emitSide(_ output: String, timestamp: Int64, key: UnsafeRawBufferPointer?,
                         value: UnsafeRawBufferPointer?) throws {
        var record = Context.makeRecord(timestamp: timestamp, key: key, value: value)
        let status = output.withCString { host.pointee.emit_side!(rawContext, $0, &record) }
        if status != Status.ok { throw failure("emit_side('\(output)')", status) }
    }

    /// A buffer's address for the host: never NULL, even when empty.
    @inlinable
    static func bytes(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
        buffer.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? emptyBytes
    }
}
