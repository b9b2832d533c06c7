#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core
import StreamhostABI

/// Keyed state, timers and watermarks: the host side of `state_*`,
/// `timer_*`, `current_watermark` and `emit_watermark`.
extension InstanceContext {
    // MARK: Watermarks

    func emitWatermark(_ watermark: Int64) -> sh_status {
        if let refused = refuseInMigrate("emit_watermark") { return refused }
        guard kind == .source else {
            setLastHostError("emit_watermark: only sources emit watermarks; \(label) gets its watermark from its inputs")
            return Status.invalid
        }
        guard acceptsSourceWatermarks else {
            if !ignoredWatermarkLogged {
                ignoredWatermarkLogged = true
                logger.info("ignoring watermarks emitted by the source: the step's watermark strategy is not 'source'")
            }
            return Status.ok
        }
        guard watermark > sourceWatermark else { return Status.ok }
        sourceWatermark = watermark
        // Where it fell among the records emitted: the runtime puts it
        // between them, so a record emitted after it that it makes late
        // meets it first (one mark per position: the last one wins).
        if let last = sourceWatermarkMarks.last, last.position == emittedCount {
            sourceWatermarkMarks[sourceWatermarkMarks.count - 1].watermark = watermark
        } else {
            sourceWatermarkMarks.append(SourceWatermarkMark(position: emittedCount, watermark: watermark))
        }
        return Status.ok
    }

    /// Takes the watermarks emitted since the last take, with their places
    /// among the records (see `SourceWatermarkMark`).
    public func takeSourceWatermarkMarks() -> [SourceWatermarkMark] {
        guard !sourceWatermarkMarks.isEmpty else { return [] }
        defer { sourceWatermarkMarks.removeAll(keepingCapacity: true) }
        return sourceWatermarkMarks
    }

    // MARK: Placement

    /// Where the instance sits among the key groups (from open).
    func place(maxParallelism: Int, keyGroups: ClosedRange<Int>) {
        keyGroupLayout = KeyGroups(maxParallelism: maxParallelism)
        ownedKeyGroups = keyGroups
    }

    /// Gives the instance a store restored from a checkpoint (before open;
    /// the instance would otherwise create an empty one on first use).
    public func installRestoredState(_ store: any KeyedStateService) {
        precondition(keyedState == nil, "\(label) already has a state store")
        store.processingTime = clock()
        keyedState = store
    }

    // MARK: State calls

    /// The store, created on first use.
    private func store(_ function: String) -> (any KeyedStateService)? {
        if let keyedState { return keyedState }
        guard let stateServices else {
            setLastHostError("\(function): this host runs the job without a state backend")
            return nil
        }
        do {
            let store = try stateServices.makeStore(stepID: stepID, instance: instance, keyGroups: ownedKeyGroups)
            store.processingTime = clock()
            keyedState = store
            return store
        } catch {
            fatal("\(function): \(label): the \(stateServices.name) state backend could not open: \(error)")
            return nil
        }
    }

    /// Runs a state call (the host API checked the thread rule): finds the store and the
    /// key's key group, and turns errors into a status and last_error. A
    /// backend past its memory bound or failing in storage fails the job.
    @inline(__always)
    func stateCall(
        _ function: String, key: UnsafePointer<UInt8>?, keyLength: Int,
        _ body: (any KeyedStateService, Int, UnsafeRawBufferPointer) throws(KeyedStateServiceError) -> sh_status
    ) -> sh_status {
        if let refused = refuseInMigrate(function) { return refused }
        guard let keyedState else {
            setLastHostError("\(function): no state or timer was registered (call state_register in open)")
            return Status.invalid
        }
        guard key != nil || keyLength == 0 else {
            setLastHostError("\(function): key is NULL with key_len \(keyLength)")
            return Status.invalid
        }
        let keyBytes = UnsafeRawBufferPointer(start: key, count: keyLength)
        let keyGroup = keyGroupLayout.keyGroup(of: keyBytes)
        do {
            return try body(keyedState, keyGroup, keyBytes)
        } catch {
            return stateFailure(function, error)
        }
    }

    func stateFailure(_ function: String, _ error: KeyedStateServiceError) -> sh_status {
        if error.failsJob {
            fatal("\(function): \(label): \(error)")
            return Status.error
        }
        setLastHostError("\(function): \(error)")
        return Status.invalid
    }

    /// Reports a host-side failure: last_error, and the job fails.
    func fatal(_ message: String) {
        setLastHostError(message)
        onFatal(message)
    }

    func stateRegister(_ descriptor: UnsafePointer<sh_state_desc>, _ out: UnsafeMutablePointer<sh_state_id>) -> sh_status {
        if let refused = refuseInMigrate("state_register") { return refused }
        let d = descriptor.pointee
        guard d.struct_size >= UInt32(MemoryLayout<sh_state_desc>.size), let namePointer = d.name else {
            setLastHostError("state_register: the descriptor needs struct_size and a name")
            return Status.invalid
        }
        let name = String(cString: namePointer)
        guard !name.isEmpty else {
            setLastHostError("state_register: the state name is empty")
            return Status.invalid
        }
        let kind: KeyedStateKind
        switch d.kind {
        case SH_STATE_VALUE: kind = .value
        case SH_STATE_MAP: kind = .map
        default:
            setLastHostError("state_register: state '\(name)' has unknown kind \(d.kind.rawValue)")
            return Status.invalid
        }
        guard d.ttl_ms >= 0 else {
            setLastHostError("state_register: state '\(name)' has a negative ttl_ms (\(d.ttl_ms))")
            return Status.invalid
        }
        guard let store = store("state_register") else { return Status.unsupported }
        do {
            let id = try store.register(name: name, kind: kind, ttlMs: d.ttl_ms)
            stateNames[id] = name
            out.pointee = id
            return Status.ok
        } catch {
            return stateFailure("state_register", error)
        }
    }

    // MARK: Timers

    func timerCall(
        _ function: String, domain: sh_time_domain, key: UnsafePointer<UInt8>?, keyLength: Int, time: Int64,
        register: Bool
    ) -> sh_status {
        if let refused = refuseInMigrate(function) { return refused }
        guard handlesTimers else {
            setLastHostError("\(function): component '\(componentName)' has no on_timer callback, so its timers "
                + "could never fire")
            return Status.invalid
        }
        let timeDomain: TimerDomain
        switch domain {
        case SH_TIME_EVENT: timeDomain = .eventTime
        case SH_TIME_PROCESSING: timeDomain = .processingTime
        default:
            setLastHostError("\(function): unknown time domain \(domain.rawValue)")
            return Status.invalid
        }
        if keyedState == nil, store(function) == nil { return Status.unsupported }
        return stateCall(function, key: key, keyLength: keyLength) { (store, keyGroup, keyBytes) throws(KeyedStateServiceError) in
            if register {
                try store.registerTimer(timeDomain, keyGroup: keyGroup, key: keyBytes, time: time)
                if timeDomain == .processingTime { onProcessingTimer(time) }
            } else {
                try store.deleteTimer(timeDomain, keyGroup: keyGroup, key: keyBytes, time: time)
            }
            return Status.ok
        }
    }
}

extension InstanceContext {
    // MARK: Side outputs

    /// `emit_side`: a record for a named side output (late records, for
    /// instance). Steps read it with `inputs: [STEP:NAME]`; when none does,
    /// the record goes to the dead-letter destination with the output's name
    /// as its reason, so nothing is dropped silently.
    func emitSide(_ output: String, _ record: UnsafePointer<sh_record>) -> sh_status {
        if let refused = refuseInMigrate("emit_side") { return refused }
        guard kind != .sink else {
            breach("\(label) called emit_side, but sinks have no output")
            return Status.invalid
        }
        guard phase == .open || phase == .created else {
            breach("\(label) called emit_side after close")
            return Status.closed
        }
        guard !output.isEmpty else {
            setLastHostError("emit_side: the output name is empty")
            return Status.invalid
        }
        let r = record.pointee
        if readSideOutputs.contains(output) {
            let batch = sideBatches[output] ?? RecordBatch(recordCapacity: 64)
            batch.append(timestamp: r.timestamp, key: r.key.map { UnsafeRawBufferPointer(start: $0, count: r.key_len) },
                         value: r.value.map { UnsafeRawBufferPointer(start: $0, count: r.value_len) })
            sideBatches[output] = batch
            return Status.ok
        }
        let key = r.key.map { Array(UnsafeBufferPointer(start: $0, count: r.key_len)) }
        let value = r.value.map { Array(UnsafeBufferPointer(start: $0, count: r.value_len)) }
        onReject(RejectedRecord(
            stepID: stepID, instance: instance, reason: "side output '\(output)' (no step reads it)",
            timestamp: r.timestamp, key: key, value: value))
        return Status.ok
    }

    /// Takes the side-output records emitted since the last take.
    public func takeSideOutputs() -> [(name: String, batch: RecordBatch)] {
        guard !sideBatches.isEmpty else { return [] }
        let out = sideBatches.map { (name: $0.key, batch: $0.value) }
        sideBatches.removeAll(keepingCapacity: true)
        return out
    }
}
