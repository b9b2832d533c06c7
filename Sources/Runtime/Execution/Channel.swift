import Core
import Synchronization

/// A bounded queue of batches from one producer task to one consumer task.
///
/// A full channel refuses a push; the producer keeps the batch and parks
/// until the consumer takes something and wakes it. That is backpressure:
/// memory between two tasks never exceeds `capacity` batches.
///
/// # Thread safety
/// Safe for one producer and one consumer on different threads.
final class Channel: @unchecked Sendable {
    enum Pop { case batch(RecordBatch), empty, ended }

    private struct State {
        var buffer: [RecordBatch?]
        var head = 0
        var count = 0
        var closed = false
        var producerWaiting = false
        var consumerWaiting = false
    }

    let capacity: Int
    /// Which input of the consuming step this channel feeds.
    let inputIndex: Int
    private let state: Mutex<State>
    unowned(unsafe) var producer: StepTask!
    unowned(unsafe) var consumer: StepTask!

    init(capacity: Int, inputIndex: Int) {
        self.capacity = capacity
        self.inputIndex = inputIndex
        self.state = Mutex(State(buffer: Array(repeating: nil, count: capacity)))
    }

    /// Appends `batch` unless the channel is full.
    func tryPush(_ batch: RecordBatch) -> Bool {
        let wake: Bool? = state.withLock { s in
            precondition(!s.closed, "push to a closed channel")
            guard s.count < capacity else {
                s.producerWaiting = true
                return nil
            }
            s.buffer[(s.head + s.count) % capacity] = batch
            s.count += 1
            let wake = s.consumerWaiting
            s.consumerWaiting = false
            return wake
        }
        guard let wake else { return false }
        if wake { consumer.notify() }
        return true
    }

    /// Marks the end of the stream; the consumer sees `.ended` once drained.
    func close() {
        let wake = state.withLock { s in
            s.closed = true
            let wake = s.consumerWaiting
            s.consumerWaiting = false
            return wake
        }
        if wake { consumer.notify() }
    }

    /// Takes the oldest batch, if any.
    func pop() -> Pop {
        let (result, wake): (Pop, Bool) = state.withLock { s in
            guard s.count > 0 else {
                if s.closed { return (.ended, false) }
                s.consumerWaiting = true
                return (.empty, false)
            }
            let batch = s.buffer[s.head]!
            s.buffer[s.head] = nil
            s.head = (s.head + 1) % capacity
            s.count -= 1
            let wake = s.producerWaiting
            s.producerWaiting = false
            return (.batch(batch), wake)
        }
        if wake { producer.notify() }
        return result
    }

    /// Batches queued now (for metrics and tests).
    var queuedCount: Int { state.withLock { $0.count } }
}
