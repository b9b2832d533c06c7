import Core
import Dispatch
import Observability
import PluginHost
import State
import Synchronization

/// One parallel instance of a chain of steps, run cooperatively by the
/// scheduler.
///
/// A run does a bounded amount of work — poll the source or take one input
/// batch, push it through the chained instances, hand the output to the
/// router — and then yields, parks (waiting for data, for channel space or
/// for a source's wakeup) or finishes. A task never blocks a worker thread.
///
/// Its four state machines are types of their own, each testable without
/// threads: `TaskRunState` (scheduling), `WatermarkValve` (event time over
/// the inputs), `BarrierAligner` (checkpoint barriers over the inputs) and
/// `ProcessingTimerSchedule` (wake-ups for processing-time timers).
///
/// # Thread safety
/// Run by one worker at a time (the run state guarantees it); `notify` may
/// be called from any thread.
final class StepTask: @unchecked Sendable {
    typealias Outcome = TaskRunState.Outcome

    /// Input batches or polls handled per run before yielding to other tasks.
    static let runBatchesMax = 16
    /// How long an idle source waits before it is polled again.
    static let idlePollDelayMs = 1

    let name: String
    let instance: Int
    let instances: [ComponentInstance]
    let stepIndices: [Int]
    var inputs: [Channel] = []
    var router: OutputRouter?
    unowned(unsafe) let execution: JobExecution

    private let runState = Mutex(TaskRunState())
    /// The chained instance the task last called into: what the watchdog
    /// names when the task is stuck in a plugin callback (`JobExecution.run`).
    /// A relaxed store per call (a plain move), read only by the watchdog.
    private let callingPosition = Atomic<Int>(0)
    /// Event time: the chain's watermark, and the inputs' watermarks,
    /// idleness and ends (`endOfInput` or the channel's close).
    private var watermark = Int64.min
    private var valve = WatermarkValve(inputCount: 0)
    /// Sources: the largest timestamp emitted, and when the last record was.
    private var maxTimestamp = Int64.min
    private var lastRecordAt: Int64 = 0
    private var timers = ProcessingTimerSchedule()
    /// Records each chained instance received through `process`, for the
    /// run summary (read once every task finished).
    private(set) var receivedCounts: [Int]
    private var opened = false
    private var sourceEnded = false
    private var chainClosed = false
    /// Jobs with checkpoints: the input ended, the chain reached the end of
    /// event time and sent `endOfInput`; it waits, open, for the final
    /// checkpoint (whose barrier comes after every record it emitted) and
    /// closes once that completed.
    private var inputFinished = false
    private var nextInput = 0
    /// Checkpoints: a barrier the coordinator asked this source task for,
    /// completions and aborts to pass on, the alignment of barriers over
    /// the inputs (and which channels closed, with checkpoints after the
    /// final checkpoint's barrier), and whether a stop-with-savepoint
    /// barrier went out (the source then polls no more).
    private let barrierRequest = Mutex<CheckpointBarrier?>(nil)
    private let notices = Mutex<[CheckpointNotice]>([])
    private var aligner = BarrierAligner(inputCount: 0)
    private let stoppedAtBarrier = Atomic<Bool>(false)
    /// When the barrier being aligned first arrived (monotonic ns).
    private var alignmentStartedAt: UInt64?
    /// Metrics on: the task's measurements, and with latency tracking the
    /// sink's event-time latency histogram.
    let meter: TaskMeter?
    private var sinkLatency: SinkLatency?
    /// Latency tracking samples at most this many records of a batch.
    static let latencySamplesPerBatchMax = 64
    private var isSource: Bool { instances[0].component.kind == .source }
    /// A source step with `watermarks.timestamp`: what stamps its records.
    private lazy var stamper: SourceStamper? = {
        let step = execution.plan.steps[stepIndices[0]]
        guard isSource, let expression = step.watermarks.timestamp else { return nil }
        let deadLetters = execution.deadLetters
        return SourceStamper(expression: expression, schema: execution.plan.spec.steps.first { $0.id == step.id }?.schema,
                             stepID: step.id, instance: instance, library: execution.expressionLibrary,
                             reject: { deadLetters.write($0) })
    }()
    private var isSinkChain: Bool { instances.last!.component.kind == .sink }

    init(name: String, instance: Int, instances: [ComponentInstance], stepIndices: [Int], execution: JobExecution) {
        self.name = name
        self.instance = instance
        self.instances = instances
        self.stepIndices = stepIndices
        self.execution = execution
        self.receivedCounts = Array(repeating: 0, count: instances.count)
        self.meter = !execution.measures ? nil
            : TaskMeter(steps: stepIndices.map { execution.plan.steps[$0].id }, instance: instance)
    }

    // MARK: Scheduling

    /// Whether a worker runs the task now (the watchdog's question: a task
    /// of a failed attempt still running long after is stuck in a callback).
    var isRunning: Bool {
        runState.withLock { $0.phase == .running || $0.phase == .runningNotified }
    }

    /// Whether the task finished (it never runs again).
    var isFinished: Bool { runState.withLock { $0.phase == .finished } }

    /// The step instance the task last called into.
    var callingPlace: FailurePlace {
        FailurePlace(stepID: execution.plan.steps[stepIndices[callingPosition.load(ordering: .relaxed)]].id,
                     instance: instance)
    }

    @inline(__always)
    private func calling(_ position: Int) { callingPosition.store(position, ordering: .relaxed) }

    /// Queues the task unless it is queued or running (then it runs again).
    func notify() {
        if runState.withLock({ $0.notify() }) { execution.scheduler.enqueue(self) }
    }

    /// Called by a worker for a queued task.
    func runScheduled() {
        runState.withLock { $0.start() }
        meter?.started()
        let outcome = runQuantum()
        if let meter {
            let finished: Bool
            if case .finished = outcome { finished = true } else { finished = false }
            var backPressured = false
            if case .park = outcome { backPressured = router?.hasPending ?? false }
            if meter.ended(parkedBackPressured: backPressured, finished: finished) { publishMeasurements(meter) }
        }
        let requeue = runState.withLock { $0.end(outcome) }
        if requeue { execution.scheduler.enqueue(self) }
        if case .finished = outcome { execution.taskFinished(self) }
    }

    /// Copies the counts, watermarks and plugin counters of each chained
    /// step for the metrics reporter.
    private func publishMeasurements(_ meter: TaskMeter) {
        let mark: Int64? = watermark == .min ? nil : watermark
        meter.publish { steps in
            for position in instances.indices {
                let context = instances[position].context
                let kind = instances[position].component.kind
                steps[position].recordsIn = kind == .source ? context.emittedCount : receivedCounts[position]
                steps[position].recordsOut = kind == .sink ? 0 : context.emittedCount
                steps[position].inputWatermarkMs = kind == .source ? nil : mark
                steps[position].outputWatermarkMs = kind == .sink ? nil : mark
                steps[position].counters = zip(context.counterNames, context.counterValues).map { ($0, $1) }
                if let store = (context.keyedState as? any KeyedStateStoreCarrier)?.anyStore {
                    let size = store.sizeEstimate
                    steps[position].keyedStateEntries = size.entries
                    steps[position].keyedStateBytes = size.bytes
                }
            }
        }
    }

    /// Latency tracking: (now − event time) of up to
    /// `latencySamplesPerBatchMax` records of a batch the sink took, spread
    /// evenly over it; records without an event time (negative) are left out.
    private func recordSinkLatency(_ batch: RecordBatch) {
        guard let sinkLatency, batch.recordCount > 0 else { return }
        let now = HostClock.nowMs()
        let step = max(1, batch.recordCount / Self.latencySamplesPerBatchMax)
        var index = 0
        while index < batch.recordCount {
            let timestamp = batch.timestamp(at: index)
            if timestamp >= 0 { sinkLatency.record(milliseconds: Double(max(0, now - timestamp))) }
            index += step
        }
    }

    // MARK: Work

    private func runQuantum() -> Outcome {
        if execution.isCancelled { return .finished }
        do {
            if !opened {
                try open()
                opened = true
            }
            // Read the flags before the notices: the coordinator posts the
            // savepoint's (or final checkpoint's) completion before it sets
            // the flag.
            let finishing = execution.isFinishingAfterSavepoint
            let finalComplete = execution.isFinalCheckpointComplete
            try passNotices()
            if finishing { return .finished }
            if finalComplete, inputFinished, !chainClosed { try closeChain() }
            // Past the end of the input nothing fires: what a timer emitted
            // could come after the final checkpoint's barrier.
            if let due = timers.next, !chainClosed, !inputFinished, HostClock.nowMs() >= due {
                try fireProcessingTimers()
            }
            for _ in 0..<Self.runBatchesMax {
                if let router, router.hasPending {
                    guard router.flush() else { return .park }
                }
                if chainClosed {
                    router?.closeChannels()
                    return .finished
                }
                if let outcome = try (isSource ? runSourceStep() : runInputStep()) { return outcome }
            }
            router?.flushPartials()
            return .yield
        } catch {
            // Every failure here is a plugin callback's: the runtime's own
            // steps do not throw.
            execution.fail(.plugin(error))
            return .finished
        }
    }

    /// One step of a source task: a barrier it was asked for, then one
    /// poll, or what stops or ends it. Nil: the quantum goes on.
    private func runSourceStep() throws(PluginCallError) -> Outcome? {
        if let barrier = barrierRequest.withLock({ request in
            defer { request = nil }
            return request
        }) {
            try checkpoint(barrier)
            if barrier.stopsJob { stoppedAtBarrier.store(true, ordering: .sequentiallyConsistent) }
        }
        // Parked at a stopping barrier; a drain after a final checkpoint
        // ends the source below instead.
        if stoppedAtBarrier.load(ordering: .sequentiallyConsistent) && !execution.isStopRequested {
            return parkFlushingOutput()
        }
        if sourceEnded || execution.isStopRequested {
            if execution.isCheckpointed {
                // Stopped or ended: the position stays as it is for the
                // final checkpoint (and a later run).
                try finishInput()
                return parkFlushingOutput()
            }
            try closeChain()
            return nil
        }
        switch try pollSource() {
        case .emitted:
            return nil
        case .end:
            sourceEnded = true
            return nil
        case .idle:
            try checkSourceIdle()
            guard flushOutput() else { return .park }
            execution.wakeLater(self, afterMs: Self.idlePollDelayMs)
            return .park
        }
    }

    /// One step of a task with inputs: one batch or marker from them, or
    /// their end. Nil: the quantum goes on.
    private func runInputStep() throws(PluginCallError) -> Outcome? {
        switch try takeInput() {
        case .marker:
            return nil
        case .batch(let batch, let inputIndex):
            calling(0)
            try instances[0].process(batch, input: inputIndex)
            receivedCounts[0] += batch.recordCount
            if stepIndices.count == 1 && isSinkChain {
                execution.countSinkRecords(batch.recordCount)
                recordSinkLatency(batch)
            }
            try forward(from: 0)
            return nil
        case .ended:
            try closeChain()
            return nil
        case .empty:
            return parkFlushingOutput()
        }
    }

    /// Before a task waits: partial hash batches are sealed and everything
    /// the router holds is offered to the channels. Returns whether all of
    /// it went out; what did not stays for the next run (the consumer's pop
    /// wakes the task).
    private func flushOutput() -> Bool {
        router?.flushPartials()
        guard let router, router.hasPending else { return true }
        return router.flush()
    }

    /// Parks after `flushOutput`, whether or not everything went out.
    private func parkFlushingOutput() -> Outcome {
        _ = flushOutput()
        return .park
    }

    private func open() throws(PluginCallError) {
        for (position, stepInstance) in instances.enumerated() {
            let step = execution.plan.steps[stepIndices[position]]
            calling(position)
            try stepInstance.open(
                instance: instance, parallelism: step.parallelism,
                maxParallelism: execution.plan.keyGroups.maxParallelism,
                keyGroups: execution.plan.keyGroups.range(ofInstance: instance, parallelism: step.parallelism),
                inputCount: step.inputs.count, checkpointIntervalMs: execution.checkpointIntervalMs)
            // A restore brings back processing-time timers that no
            // registration announced: the task wakes up for them too.
            if let time = stepInstance.earliestProcessingTimer() { processingTimerRegistered(at: time) }
        }
        valve = WatermarkValve(inputCount: inputs.count)
        aligner = BarrierAligner(inputCount: inputs.count)
        if isSinkChain, execution.tracksLatency, let metrics = execution.metrics {
            sinkLatency = metrics.sinkLatency(step: execution.plan.steps[stepIndices.last!].id)
        }
        lastRecordAt = HostClock.nowMs()
    }

    private func pollSource() throws(PluginCallError) -> PollOutcome {
        let source = instances[0]
        let room = max(1, source.context.batchRecordsMax - source.context.pendingRecordCount)
        // Everything emitted before this poll was taken: the output's first
        // record has this place among all the instance emitted.
        let firstPosition = source.context.emittedCount - source.context.pendingRecordCount
        calling(0)
        let outcome = try source.poll(max: room)
        var output = source.context.takeOutput()
        if let stamper { output = output.compactMap { stamper.stamp($0) } }
        let marks = source.context.takeSourceWatermarkMarks()
        for (name, batch) in source.context.takeSideOutputs() {
            router?.routeSide(batch, step: stepIndices[0], name: name)
        }
        let spec = execution.plan.steps[stepIndices[0]].watermarks
        let emitted: Int
        if spec.strategy == .none {
            emitted = output.reduce(0) { $0 + $1.recordCount }
            try pushDown(output, from: 1)
        } else {
            emitted = try pushDownInEventTime(output, spec, marks: marks, firstPosition: firstPosition)
        }
        if emitted > 0 {
            execution.countSourceRecords(emitted)
            lastRecordAt = HostClock.nowMs()
            valve.recordsEmitted()
        }
        return outcome
    }

    /// The source's watermark once the records seen so far (and, with
    /// strategy `source`, the watermarks emitted so far) are counted; nil
    /// before there is one.
    private func sourceWatermark(_ spec: WatermarkSpec, emitted: Int64) -> Int64? {
        switch spec.strategy {
        case .none: return nil
        case .ascending: return maxTimestamp == .min ? nil : maxTimestamp &- 1
        case .boundedOutOfOrderness:
            return maxTimestamp == .min ? nil : maxTimestamp &- spec.maxOutOfOrdernessMs &- 1
        case .source: return emitted == .min ? nil : emitted
        }
    }

    /// Event time on: pushes a poll's records down the chain with the
    /// watermark moving record by record, and returns how many were kept.
    ///
    /// Records whose timestamps would corrupt the watermark (negative, or
    /// too far ahead of the clock) go to the dead letters first. For the
    /// rest, the watermark a record meets must not depend on how records
    /// were grouped into polls and batches (`batch_size`, a source's
    /// `max`), or the same input would make other records late at another
    /// batch size. So the batch is split before every record whose
    /// timestamp is at or below the watermark that the records before it
    /// (and, with strategy `source`, the watermarks emitted before it)
    /// reached, and that watermark goes down between the two parts.
    ///
    /// Why this makes lateness independent of batch size: with one record
    /// per batch, record i meets exactly W(i), the watermark of the records
    /// before it. Here record i meets some watermark <= W(i) (watermarks
    /// only come from records before it), and exactly W(i) whenever its
    /// timestamp is <= W(i), because of the split. An event-time operator
    /// treats a record as late only when its timestamp is at or below the
    /// watermark (a window closes at end - 1 >= every timestamp in it; join
    /// and dedup compare the timestamp itself), and a record whose
    /// timestamp is above W(i) is above every watermark <= W(i) too. So the
    /// same records are late, against the same watermark, and windows close
    /// holding the same records, at any batch size. Splits happen only for
    /// records out of order by more than the bound, so in-order input stays
    /// one batch per poll.
    private func pushDownInEventTime(_ output: [RecordBatch], _ spec: WatermarkSpec, marks: [SourceWatermarkMark],
                                     firstPosition: Int) throws(PluginCallError) -> Int {
        let source = instances[0]
        let limit = HostClock.nowMs() &+ spec.maxFutureMs
        var position = firstPosition
        var nextMark = 0
        // With strategy source: the largest watermark emitted before the
        // current record (marks before this poll's records included).
        var emittedWatermark = watermark
        var kept = 0
        for batch in output {
            // Records [start, index) of the batch are not pushed yet; kept
            // records before `start` that must go with them (after a
            // rejected one) are in `carried`.
            var start = 0
            var carried: RecordBatch?
            func part(upTo end: Int) -> RecordBatch? {
                if carried == nil && start == 0 && end == batch.count { return batch }
                let part = carried ?? RecordBatch(recordCapacity: end - start)
                part.append(contentsOf: batch, range: start..<end)
                carried = nil
                return part.count > 0 ? part : nil
            }
            for index in 0..<batch.count {
                while nextMark < marks.count, marks[nextMark].position <= position {
                    emittedWatermark = max(emittedWatermark, marks[nextMark].watermark)
                    nextMark += 1
                }
                position += 1
                let timestamp = batch.timestamp(at: index)
                if timestamp < 0 || timestamp > limit {
                    let keep = carried ?? RecordBatch(recordCapacity: batch.count - start)
                    keep.append(contentsOf: batch, range: start..<index)
                    carried = keep
                    start = index + 1
                    rejectTimestamp(timestamp, at: index, of: batch, spec, limit: limit)
                    continue
                }
                kept += 1
                if let reached = sourceWatermark(spec, emitted: emittedWatermark), timestamp <= reached,
                   reached > watermark {
                    if let part = part(upTo: index) { try pushDown([part], from: 1) }
                    start = index
                    source.context.currentWatermark = reached
                    try advanceWatermark(to: reached, from: 1)
                }
                if timestamp > maxTimestamp { maxTimestamp = timestamp }
            }
            if let part = part(upTo: batch.count) { try pushDown([part], from: 1) }
        }
        for mark in marks[nextMark...] { emittedWatermark = max(emittedWatermark, mark.watermark) }
        if let reached = sourceWatermark(spec, emitted: emittedWatermark), reached > watermark {
            source.context.currentWatermark = reached
            try advanceWatermark(to: reached, from: 1)
        }
        return kept
    }

    /// Sends a record whose timestamp would corrupt the watermark to the
    /// dead letters, with the reason.
    private func rejectTimestamp(_ timestamp: Int64, at index: Int, of batch: RecordBatch, _ spec: WatermarkSpec,
                                 limit: Int64) {
        let reason = timestamp < 0
            ? "timestamp \(timestamp) is negative: event time needs a timestamp >= 0 (Kafka's -1 means none)"
            : "timestamp \(timestamp) is \(timestamp - (limit - spec.maxFutureMs)) ms ahead of the host clock, "
                + "past watermarks.max_future_ms (\(spec.maxFutureMs)); it would make every later record late"
        batch.withRecord(at: index) { timestamp, key, _ in
            execution.deadLetters.write(RejectedRecord(
                stepID: execution.plan.steps[stepIndices[0]].id, instance: instance, reason: reason,
                timestamp: timestamp, key: key.map { Array($0) }, value: batch.valueBytes(at: index),
                reasonClass: .timestamp))
        }
    }

    /// An idle source past its idle timeout tells downstream to leave it
    /// out of their watermarks until it emits again.
    private func checkSourceIdle() throws(PluginCallError) {
        guard !valve.idleAnnounced, let timeout = execution.plan.steps[stepIndices[0]].watermarks.idleTimeoutMs,
              HostClock.nowMs() - lastRecordAt >= timeout, valve.sourceIdle()
        else { return }
        router?.broadcast(.idle)
    }

    private enum Input { case batch(RecordBatch, Int), marker, empty, ended }

    /// The next batch from the inputs, round-robin; watermarks and idle
    /// marks are applied on the way.
    private func takeInput() throws(PluginCallError) -> Input {
        var allEnded = true
        for _ in 0..<inputs.count {
            let position = nextInput
            let channel = inputs[position]
            nextInput = (nextInput + 1) % inputs.count
            if aligner.isBlocked(position) {
                // Delivered the barrier being aligned: what follows it
                // belongs to the next checkpoint and waits.
                allEnded = false
                continue
            }
            switch channel.pop() {
            case .element(.barrier(let barrier)):
                try barrierArrived(barrier, at: position)
                return .marker
            case .element(.batch(let batch)):
                valve.batchArrived(at: position)
                return .batch(batch, channel.inputIndex)
            case .element(.watermark(let mark)):
                try apply(valve.watermarkArrived(mark, at: position))
                return .marker
            case .element(.idle):
                try apply(valve.idleArrived(at: position))
                return .marker
            case .element(.endOfInput):
                try apply(valve.inputEnded(at: position))
                if valve.allEnded { try finishInput() }
                return .marker
            case .empty:
                allEnded = false
            case .ended:
                if aligner.close(position) {
                    try apply(valve.inputEnded(at: position))
                    if let barrier = aligner.complete() { try checkpoint(barrier) }
                }
            }
        }
        return allEnded ? .ended : .empty
    }

    /// Acts on what the valve decided about the inputs' watermarks. (With
    /// every input ended, closing the chain moves it to the end of time.)
    private func apply(_ decision: WatermarkValve.Decision) throws(PluginCallError) {
        switch decision {
        case .advance(let minimum): try advanceWatermark(to: minimum, from: 0)
        case .announceIdle: router?.broadcast(.idle)
        case .none: break
        }
    }

    /// Moves the chain from `position` on to `newWatermark`: each instance
    /// fires its timers and sees the watermark after the records before it,
    /// then the watermark goes downstream.
    private func advanceWatermark(to newWatermark: Int64, from position: Int) throws(PluginCallError) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        for index in position..<instances.count {
            calling(index)
            try instances[index].advanceWatermark(to: newWatermark)
            try forward(from: index)
        }
        router?.broadcast(.watermark(newWatermark))
    }

    // MARK: Checkpoints

    /// Sources: the coordinator wants a barrier; it goes out at the next run.
    func requestBarrier(_ barrier: CheckpointBarrier) {
        barrierRequest.withLock { $0 = barrier }
        notify()
    }

    /// A stop-with-savepoint failed: the source polls again.
    func resumeAfterFailedStop() {
        stoppedAtBarrier.store(false, ordering: .sequentiallyConsistent)
        notify()
    }

    /// The coordinator's news of a checkpoint; passed on at the next run.
    func post(_ notice: CheckpointNotice) {
        notices.withLock { $0.append(notice) }
        notify()
    }

    private func passNotices() throws(PluginCallError) {
        let pending = notices.withLock { list in
            defer { list.removeAll() }
            return list
        }
        // A closed chain has flushed and committed at close; closed
        // instances get no more callbacks.
        guard !pending.isEmpty, opened, !chainClosed else { return }
        for notice in pending {
            for position in instances.indices {
                calling(position)
                switch notice {
                case .complete(let id): try instances[position].onCheckpointComplete(id)
                case .abort(let id): try instances[position].onCheckpointAbort(id)
                }
                try forward(from: position)
            }
        }
    }

    /// A barrier came in on input `position`: with one input (or the others
    /// ended) the chain snapshots now; otherwise the input waits until every
    /// open input delivered the barrier (alignment, for exactly-once).
    private func barrierArrived(_ barrier: CheckpointBarrier, at position: Int) throws(PluginCallError) {
        if alignmentStartedAt == nil || aligner.aligning.map({ $0.id < barrier.id }) == true {
            alignmentStartedAt = DispatchTime.now().uptimeNanoseconds
        }
        if let aligned = aligner.barrierArrived(barrier, at: position) { try checkpoint(aligned) }
    }

    /// Snapshots the chain at `barrier`: each instance in chain order
    /// pre-commits (what it emits then goes before the barrier), writes its
    /// operator blob and has its keyed state captured; then the barrier goes
    /// downstream and the parts go to the coordinator.
    private func checkpoint(_ barrier: CheckpointBarrier) throws(PluginCallError) {
        var parts: [InstanceSnapshotPart] = []
        for position in instances.indices {
            let stepInstance = instances[position]
            calling(position)
            try stepInstance.onCheckpoint(barrier.id)
            try forward(from: position)
            calling(position)
            let blob = try stepInstance.snapshot(checkpointID: barrier.id)
            let keyedState: (any KeyedStateCapture)?
            switch execution.captureKeyedState(of: stepInstance, for: barrier) {
            case .none: keyedState = nil
            case .captured(let capture): keyedState = capture
            case .failed:
                for part in parts { part.keyedState?.discard() }
                return
            }
            let step = execution.plan.steps[stepIndices[position]]
            parts.append(InstanceSnapshotPart(
                stepIndex: stepIndices[position], instance: instance,
                keyGroups: execution.plan.keyGroups.range(ofInstance: instance, parallelism: step.parallelism),
                blob: blob, keyedState: keyedState))
        }
        router?.broadcast(.barrier(barrier))
        // From the first input's barrier to the snapshot: the alignment
        // (0 for a source or a task with one input).
        let alignmentNs = alignmentStartedAt.map { DispatchTime.now().uptimeNanoseconds &- $0 } ?? 0
        alignmentStartedAt = nil
        execution.coordinator?.acknowledge(barrier, parts: parts, alignmentNs: alignmentNs)
    }

    // MARK: Processing-time timers

    /// Called (on this task's thread, inside a callback) when an instance
    /// registers a processing-time timer.
    func processingTimerRegistered(at time: Int64) {
        if let delay = timers.registered(at: time, now: HostClock.nowMs()) { execution.wakeLater(self, afterMs: delay) }
    }

    private func fireProcessingTimers() throws(PluginCallError) {
        let now = HostClock.nowMs()
        timers.firing(now: now)
        var next: Int64?
        for index in instances.indices {
            calling(index)
            if let time = try instances[index].fireProcessingTimers(now: now) { next = min(next ?? .max, time) }
            try forward(from: index)
        }
        if let delay = timers.fired(earliest: next, now: HostClock.nowMs()) { execution.wakeLater(self, afterMs: delay) }
    }

    /// Hands what instance `position` emitted on: its output to the next
    /// instance (or the router), its side outputs to the router.
    private func forward(from position: Int) throws(PluginCallError) {
        let context = instances[position].context
        if !context.readSideOutputs.isEmpty {
            for (name, batch) in context.takeSideOutputs() {
                router?.routeSide(batch, step: stepIndices[position], name: name)
            }
        }
        try pushDown(context.takeOutput(), from: position + 1)
    }

    /// Hands batches to chained instance `position` (or to the router past
    /// the end of the chain), and what that emits further down.
    private func pushDown(_ batches: [RecordBatch], from position: Int) throws(PluginCallError) {
        for batch in batches where batch.recordCount > 0 {
            if position == instances.count {
                router?.route(batch)
                continue
            }
            calling(position)
            try instances[position].process(batch, input: 0)
            receivedCounts[position] += batch.recordCount
            if position == instances.count - 1 && isSinkChain {
                execution.countSinkRecords(batch.recordCount)
                recordSinkLatency(batch)
            }
            try forward(from: position)
        }
    }

    /// End of input on a job with checkpoints (a source's `SH_END`, a stop
    /// request, or `endOfInput` on every input): every instance in chain
    /// order moves to the end of event time (its event-time timers fire)
    /// and passes its output on, then `endOfInput` goes downstream. Nothing
    /// closes: the final checkpoint's barrier comes after all of it, so its
    /// completion commits everything the job emitted, and the state it
    /// holds (a source's position, fired timers gone) emits nothing again.
    private func finishInput() throws(PluginCallError) {
        guard !inputFinished else { return }
        inputFinished = true
        if watermark != .max {
            for position in instances.indices where position > 0 || !isSource {
                try instances[position].advanceWatermark(to: .max)
                try forward(from: position)
            }
            watermark = .max
        }
        router?.broadcast(.endOfInput)
        if isSource { execution.sourceInputEnded() }
    }

    /// The end, each instance in chain order, its output flowing into the
    /// next before that one does the same. Without checkpoints, at end of
    /// input: the instance moves to the end of event time (its event-time
    /// timers fire), then closes, so what a `close` emits still comes
    /// before the next instance's final watermark. With checkpoints, once
    /// the final checkpoint completed: `finishInput` made the move before
    /// its barrier, and `close` may not emit (its records would come after
    /// the final barrier, in no checkpoint).
    private func closeChain() throws(PluginCallError) {
        guard !chainClosed else { return }
        let refusal = execution.isCheckpointed
            ? "in close: with checkpoints close runs after the final checkpoint, so its records would be in none; "
                + "emit them from on_watermark or on_timer (end of input moves the watermark to INT64_MAX before the "
                + "final checkpoint) or from on_checkpoint"
            : nil
        for position in instances.indices {
            calling(position)
            if !inputFinished, position > 0 || !isSource {
                try instances[position].advanceWatermark(to: .max)
                try forward(from: position)
            }
            instances[position].context.emitRefusal = refusal
            defer { instances[position].context.emitRefusal = nil }
            calling(position)
            try instances[position].close()
            try forward(from: position)
        }
        watermark = .max
        router?.flushPartials()
        chainClosed = true
    }

    /// Destroys the instances (after the job ended, from the runner).
    func destroyInstances() {
        for stepInstance in instances { stepInstance.destroy() }
    }
}
