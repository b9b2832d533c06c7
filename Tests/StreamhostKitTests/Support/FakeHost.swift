import Columns
import Foundation
import StreamhostKit

/// A `sh_host_api` implemented in Swift for in-process tests: every
/// function turns its `sh_ctx *` back into the `FakeContext` it points to.
/// Keyed state and timers live in the context's `FakeKeyedState`; tests
/// move event time with `Harness.advanceWatermark(to:)`.
enum FakeHost {
    nonisolated(unsafe) static let version = strdup("fake-1.0")!

    nonisolated(unsafe) static let table: UnsafePointer<sh_host_api> = make { _ in }

    /// A table like `table`, changed by `edit` (for refusal tests).
    static func make(_ edit: (inout sh_host_api) -> Void) -> UnsafePointer<sh_host_api> {
        var t = sh_host_api()
        t.struct_size = UInt32(MemoryLayout<sh_host_api>.size)
        t.abi_major = UInt16(SH_ABI_MAJOR)
        t.abi_minor = UInt16(SH_ABI_MINOR)
        t.services = UInt64(SH_SERVICE_CORE | SH_SERVICE_KEYED_STATE | SH_SERVICE_TIMERS | SH_SERVICE_SIDE_OUTPUTS)
        t.host_version = UnsafePointer(version)
        t.emit = { ctx, record in
            let fake = FakeContext.from(ctx)
            guard fake.emitStatus == SH_OK else { return fake.emitStatus }
            fake.emitted.append(SeenRecord(record!.pointee))
            return sh_status(SH_OK)
        }
        t.emit_batch = { ctx, batch in
            let fake = FakeContext.from(ctx)
            guard fake.emitStatus == SH_OK else { return fake.emitStatus }
            for index in 0..<batch!.pointee.count {
                var record = sh_record()
                sh_batch_record(batch, index, &record)
                fake.emitted.append(SeenRecord(record))
            }
            return sh_status(SH_OK)
        }
        t.emit_columns = { ctx, schema, columns, rows in
            let fake = FakeContext.from(ctx)
            // Owned by the host: import (or release) them whatever happens.
            guard let read = try? Schema(arrow: schema!),
                  let column = try? Column.importing(moving: columns!, type: read.structType) else {
                schema!.pointee.release?(schema)
                columns!.pointee.release?(columns)
                return sh_status(SH_INVALID)
            }
            schema!.pointee.release?(schema)
            let batch = rows!.pointee
            let selection = batch.selection.map { Array(UnsafeBufferPointer(start: $0, count: Int(batch.selection_count))) }
            fake.emittedColumns.append((read, column, selection,
                                        Array(UnsafeBufferPointer(start: batch.timestamps, count: Int(batch.count)))))
            return sh_status(SH_OK)
        }
        t.emit_side = { ctx, output, record in
            FakeContext.from(ctx).sideOutputs.append((String(cString: output!), SeenRecord(record!.pointee)))
            return sh_status(SH_OK)
        }
        t.reject = { ctx, record, reason in
            FakeContext.from(ctx).rejected.append((SeenRecord(record!.pointee), String(cString: reason!)))
            return sh_status(SH_OK)
        }
        t.set_error = { ctx, message in FakeContext.from(ctx).errors.append(String(cString: message!)) }
        t.last_error = { ctx in FakeContext.from(ctx).lastErrorPointer() }
        t.log = { ctx, level, message in FakeContext.from(ctx).logs.append((level, String(cString: message!))) }
        t.alloc = { size in malloc(size) }
        t.free = { pointer in free(pointer) }
        t.wakeup = { ctx in FakeContext.from(ctx).wakeups += 1 }
        t.counter_register = { ctx, name, out in
            let fake = FakeContext.from(ctx)
            fake.counterNames.append(String(cString: name!))
            fake.counterValues.append(0)
            out!.pointee = sh_counter_id(fake.counterNames.count - 1)
            return sh_status(SH_OK)
        }
        t.counter_add = { ctx, id, delta in FakeContext.from(ctx).counterValues[Int(id)] += delta }
        t.config_string = { ctx, key, out in
            let fake = FakeContext.from(ctx)
            switch fake.configValue(at: String(cString: key!)) {
            case nil: return sh_status(SH_NOT_FOUND)
            case .string(let text)?:
                out!.pointee = fake.borrow(text)
                return sh_status(SH_OK)
            default: return sh_status(SH_WRONG_TYPE)
            }
        }
        t.config_int64 = { ctx, key, out in
            switch FakeContext.from(ctx).configValue(at: String(cString: key!)) {
            case nil: return sh_status(SH_NOT_FOUND)
            case .int(let value)?:
                out!.pointee = value
                return sh_status(SH_OK)
            default: return sh_status(SH_WRONG_TYPE)
            }
        }
        t.config_double = { ctx, key, out in
            switch FakeContext.from(ctx).configValue(at: String(cString: key!)) {
            case nil: return sh_status(SH_NOT_FOUND)
            case .double(let value)?:
                out!.pointee = value
                return sh_status(SH_OK)
            // Like a host that keeps integers apart: the kit must fall back
            // to config_int64.
            default: return sh_status(SH_WRONG_TYPE)
            }
        }
        t.config_bool = { ctx, key, out in
            switch FakeContext.from(ctx).configValue(at: String(cString: key!)) {
            case nil: return sh_status(SH_NOT_FOUND)
            case .bool(let value)?:
                out!.pointee = value ? 1 : 0
                return sh_status(SH_OK)
            default: return sh_status(SH_WRONG_TYPE)
            }
        }
        t.config_json = { ctx, key, out, length in
            let fake = FakeContext.from(ctx)
            let path = key.map { String(cString: $0) } ?? ""
            let text: String
            if path.isEmpty {
                text = fake.configJSON()
            } else {
                guard let value = fake.configValue(at: path) else { return sh_status(SH_NOT_FOUND) }
                text = value.json
            }
            out!.pointee = fake.borrow(text)
            length?.pointee = text.utf8.count
            return sh_status(SH_OK)
        }
        t.current_watermark = { ctx in FakeContext.from(ctx).watermark }
        t.processing_time = { ctx in FakeContext.from(ctx).processingTime }
        addKeyedState(to: &t)
        edit(&t)
        let pointer = UnsafeMutablePointer<sh_host_api>.allocate(capacity: 1)
        pointer.initialize(to: t)
        return UnsafePointer(pointer)
    }
}

extension FakeHost {
    /// The state_* and timer_* functions, over each context's `FakeKeyedState`.
    private static func addKeyedState(to t: inout sh_host_api) {
        t.state_register = { ctx, descriptor, out in
            let (status, id) = FakeContext.from(ctx).keyedState.register(descriptor!.pointee)
            out!.pointee = id
            return status
        }
        t.state_get = { ctx, id, key, keyLength, value, valueLength in
            let found = FakeContext.from(ctx).keyedState.get(
                id, kind: SH_STATE_VALUE, key: FakeHost.bytes(key, keyLength), userKey: [])
            value!.pointee = found.value.map { $0.baseAddress!.assumingMemoryBound(to: UInt8.self) }
            valueLength!.pointee = found.value?.count ?? 0
            return found.status
        }
        t.state_put = { ctx, id, key, keyLength, value, valueLength in
            FakeContext.from(ctx).keyedState.put(
                id, kind: SH_STATE_VALUE, key: FakeHost.bytes(key, keyLength), userKey: [],
                value: FakeHost.bytes(value, valueLength))
        }
        t.state_delete = { ctx, id, key, keyLength in
            FakeContext.from(ctx).keyedState.delete(
                id, kind: SH_STATE_VALUE, key: FakeHost.bytes(key, keyLength), userKey: [])
        }
        t.state_map_get = { ctx, id, key, keyLength, userKey, userKeyLength, value, valueLength in
            let found = FakeContext.from(ctx).keyedState.get(
                id, kind: SH_STATE_MAP, key: FakeHost.bytes(key, keyLength),
                userKey: FakeHost.bytes(userKey, userKeyLength))
            value!.pointee = found.value.map { $0.baseAddress!.assumingMemoryBound(to: UInt8.self) }
            valueLength!.pointee = found.value?.count ?? 0
            return found.status
        }
        t.state_map_put = { ctx, id, key, keyLength, userKey, userKeyLength, value, valueLength in
            FakeContext.from(ctx).keyedState.put(
                id, kind: SH_STATE_MAP, key: FakeHost.bytes(key, keyLength),
                userKey: FakeHost.bytes(userKey, userKeyLength), value: FakeHost.bytes(value, valueLength))
        }
        t.state_map_delete = { ctx, id, key, keyLength, userKey, userKeyLength in
            FakeContext.from(ctx).keyedState.delete(
                id, kind: SH_STATE_MAP, key: FakeHost.bytes(key, keyLength),
                userKey: FakeHost.bytes(userKey, userKeyLength))
        }
        t.state_map_iterate = { ctx, id, key, keyLength, visitor, user in
            FakeContext.from(ctx).keyedState.iterate(id, key: FakeHost.bytes(key, keyLength)) { userKey, value in
                userKey.withUnsafeBufferPointer { userKey in
                    value.withUnsafeBufferPointer { value in
                        visitor!(user, userKey.baseAddress ?? FakeHost.emptyBytes, userKey.count,
                                 value.baseAddress ?? FakeHost.emptyBytes, value.count)
                    }
                }
            }
        }
        t.timer_register = { ctx, domain, key, keyLength, time in
            FakeContext.from(ctx).keyedState.registerTimer(
                .init(domain: domain, time: time, key: FakeHost.bytes(key, keyLength)))
        }
        t.timer_delete = { ctx, domain, key, keyLength, time in
            FakeContext.from(ctx).keyedState.deleteTimer(
                .init(domain: domain, time: time, key: FakeHost.bytes(key, keyLength)))
        }
    }

    /// A copy of `count` bytes at `pointer` (NULL with count 0 is empty).
    private static func bytes(_ pointer: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// A non-NULL address for empty buffers (NULL means "null" in the ABI).
    nonisolated(unsafe) static let emptyBytes: UnsafePointer<UInt8> = {
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        byte.initialize(to: 0)
        return UnsafePointer(byte)
    }()
}

/// Builds a C batch over `records` for the duration of `body`.
func withBatch<Result>(
    _ records: [SeenRecord], input: UInt32 = 0, nullKeyColumns: Bool = false,
    _ body: (UnsafePointer<sh_batch>) throws -> Result
) rethrows -> Result {
    let timestamps = records.map(\.timestamp)
    var keyOffsets: [UInt32] = [0]
    var keys: [UInt8] = []
    var valueOffsets: [UInt32] = [0]
    var values: [UInt8] = []
    var flags: [UInt8] = []
    for record in records {
        var flag: UInt8 = 0
        if let key = record.key { keys += key } else { flag |= UInt8(SH_RECORD_KEY_NULL) }
        if let value = record.value { values += value } else { flag |= UInt8(SH_RECORD_VALUE_NULL) }
        keyOffsets.append(UInt32(keys.count))
        valueOffsets.append(UInt32(values.count))
        flags.append(flag)
    }
    return try timestamps.withUnsafeBufferPointer { timestamps in
        try keyOffsets.withUnsafeBufferPointer { keyOffsets in
            try keys.withUnsafeBufferPointer { keys in
                try valueOffsets.withUnsafeBufferPointer { valueOffsets in
                    try values.withUnsafeBufferPointer { values in
                        try flags.withUnsafeBufferPointer { flags in
                            var batch = sh_batch()
                            batch.struct_size = UInt32(MemoryLayout<sh_batch>.size)
                            batch.count = UInt32(records.count)
                            batch.timestamps = timestamps.baseAddress
                            batch.key_offsets = nullKeyColumns ? nil : keyOffsets.baseAddress
                            batch.keys = nullKeyColumns ? nil : keys.baseAddress
                            batch.value_offsets = valueOffsets.baseAddress
                            batch.values = values.baseAddress
                            batch.flags = flags.contains { $0 != 0 } ? flags.baseAddress : nil
                            batch.input = input
                            return try withUnsafePointer(to: &batch) { try body($0) }
                        }
                    }
                }
            }
        }
    }
}
