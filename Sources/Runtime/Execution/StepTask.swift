import Core
import Dispatch
import PluginHost
import Synchronization

/// One parallel instance of a chain of steps, run cooperatively by the
/// scheduler.
///
/// A run does a bounded amount of work — poll the source or take one input
/// batch, push it through the chained instances, hand the output to the
/// router — and then yields, parks (waiting for data, for channel space or
/// for a source's wakeup) or finishes. A task never blocks a worker thread.
///
/// # Thread safety
/// Run by one worker at a time (the run state guarantees it); `notify` may
/// be called from any thread.
final class StepTask: @unchecked Sendable {
    enum Outcome { case yield, park, finished }
    private enum RunState { case idle, queued, running, runningNotified, finished }

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

    private let runState = Mutex(RunState.idle)
    private var opened = false
    private var sourceEnded = false
    private var chainClosed = false
    private var nextInput = 0
    private var isSource: Bool { instances[0].component.kind == .source }
    private var isSinkChain: Bool { instances.last!.component.kind == .sink }

    init(name: String, instance: Int, instances: [ComponentInstance], stepIndices: [Int], execution: JobExecution) {
        self.name = name
        self.instance = instance
        self.instances = instances
        self.stepIndices = stepIndices
        self.execution = execution
    }

    // MARK: Scheduling

    /// Queues the task unless it is queued or running (then it runs again).
    func notify() {
        let enqueue: Bool = runState.withLock { state in
            switch state {
            case .idle:
                state = .queued
                return true
            case .running:
                state = .runningNotified
                return false
            case .queued, .runningNotified, .finished:
                return false
            }
        }
        if enqueue { execution.scheduler.enqueue(self) }
    }

    /// Called by a worker for a queued task.
    func runScheduled() {
        runState.withLock { $0 = .running }
        let outcome = runQuantum()
        let requeue: Bool = runState.withLock { state in
            switch outcome {
            case .finished:
                state = .finished
                return false
            case .yield:
                state = .queued
                return true
            case .park:
                if state == .runningNotified {
                    state = .queued
                    return true
                }
                state = .idle
                return false
            }
        }
        if requeue { execution.scheduler.enqueue(self) }
        if case .finished = outcome { execution.taskFinished(self) }
    }

    // MARK: Work

    private func runQuantum() -> Outcome {
        if execution.isCancelled { return .finished }
        do {
            if !opened {
                try open()
                opened = true
            }
            for _ in 0..<Self.runBatchesMax {
                if let router, router.hasPending {
                    guard router.flush() else { return .park }
                }
                if chainClosed {
                    router?.closeChannels()
                    return .finished
                }
                if isSource {
                    if sourceEnded || execution.isStopRequested {
                        try closeChain()
                        continue
                    }
                    switch try pollSource() {
                    case .emitted: continue
                    case .end:
                        sourceEnded = true
                        continue
                    case .idle:
                        router?.flushPartials()
                        if let router, router.hasPending, !router.flush() { return .park }
                        execution.wakeLater(self, afterMs: Self.idlePollDelayMs)
                        return .park
                    }
                } else {
                    switch takeInput() {
                    case .batch(let batch, let inputIndex):
                        try instances[0].process(batch, input: inputIndex)
                        if stepIndices.count == 1 && isSinkChain { execution.countSinkRecords(batch.count) }
                        try pushDown(instances[0].context.takeOutput(), from: 1)
                    case .ended:
                        try closeChain()
                    case .empty:
                        router?.flushPartials()
                        if let router, router.hasPending, !router.flush() { return .park }
                        return .park
                    }
                }
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

    private func open() throws(PluginCallError) {
        for (position, stepInstance) in instances.enumerated() {
            let step = execution.plan.steps[stepIndices[position]]
            try stepInstance.open(
                instance: instance, parallelism: step.parallelism,
                maxParallelism: execution.plan.keyGroups.maxParallelism,
                keyGroups: execution.plan.keyGroups.range(ofInstance: instance, parallelism: step.parallelism),
                inputCount: step.inputs.count)
        }
    }

    private func pollSource() throws(PluginCallError) -> PollOutcome {
        let source = instances[0]
        let room = max(1, source.context.batchRecordsMax - source.context.pendingRecordCount)
        let outcome = try source.poll(max: room)
        let output = source.context.takeOutput()
        var emitted = 0
        for batch in output { emitted += batch.count }
        if emitted > 0 { execution.countSourceRecords(emitted) }
        try pushDown(output, from: 1)
        return outcome
    }

    private enum Input { case batch(RecordBatch, Int), empty, ended }

    /// The next batch from the inputs, round-robin.
    private func takeInput() -> Input {
        var allEnded = true
        for _ in 0..<inputs.count {
            let channel = inputs[nextInput]
            nextInput = (nextInput + 1) % inputs.count
            switch channel.pop() {
            case .batch(let batch): return .batch(batch, channel.inputIndex)
            case .empty: allEnded = false
            case .ended: continue
            }
        }
        return allEnded ? .ended : .empty
    }

    /// Hands batches to chained instance `position` (or to the router past
    /// the end of the chain), and what that emits further down.
    private func pushDown(_ batches: [RecordBatch], from position: Int) throws(PluginCallError) {
        for batch in batches where batch.count > 0 {
            if position == instances.count {
                router?.route(batch)
                continue
            }
            try instances[position].process(batch, input: 0)
            if position == instances.count - 1 && isSinkChain { execution.countSinkRecords(batch.count) }
            try pushDown(instances[position].context.takeOutput(), from: position + 1)
        }
    }

    /// End of input: close every instance in chain order, each one's final
    /// output flowing into the next before it closes.
    private func closeChain() throws(PluginCallError) {
        guard !chainClosed else { return }
        for position in instances.indices {
            try instances[position].close()
            try pushDown(instances[position].context.takeOutput(), from: position + 1)
        }
        router?.flushPartials()
        chainClosed = true
    }

    /// Destroys the instances (after the job ended, from the runner).
    func destroyInstances() {
        for stepInstance in instances { stepInstance.destroy() }
    }
}
