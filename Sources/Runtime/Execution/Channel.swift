import Core
import Synchronization

/// What flows between two tasks: record batches, and the event-time
/// markers that travel in order with them.
enum StreamElement {
    case batch(RecordBatch)
    /// No record with a timestamp <= this will follow from this producer.
    case watermark(Int64)
    /// The producer is idle: leave it out of the watermark minimum until it
    /// sends a batch or a watermark again.
    case idle
    /// Checkpoint barrier: everything before it belongs to the checkpoint,
    /// everything after it to the next. Never superseded, never dropped.
    case barrier(CheckpointBarrier)
    /// Jobs with checkpoints: the producer's input ended and it will send no
    /// more records (its event time is at the end); barriers still follow,
    /// the final checkpoint's last, and the channel closes after it.
    case endOfInput
}

/// A bounded queue of stream elements from one producer task to one
/// consumer task.
///
/// A full channel refuses a push; the producer keeps the element and parks
/// until the consumer takes something and wakes it. That is backpressure:
/// memory between two tasks never exceeds `capacity` batches. Markers
/// (watermarks, idleness) do not count against the capacity when they can
/// replace the marker queued last, since only the newest one matters.
///
/// # Thread safety
/// Safe for one producer and one consumer on different threads.
final class Channel: @unchecked Sendable {
    enum Pop { case element(StreamElement), empty, ended }

    private struct State {
        var buffer: [StreamElement?]
        var head = 0
        var count = 0
        var closed = false
        var producerWaiting = false
        var consumerWaiting = false

        var lastIndex: Int { (head + count - 1) % buffer.count }
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

    /// Appends `element` unless the channel is full.
    func tryPush(_ element: StreamElement) -> Bool {
        let wake: Bool? = state.withLock { s in
            precondition(!s.closed, "push to a closed channel")
            if s.count > 0, Self.supersedes(element, s.buffer[s.lastIndex]!) {
                s.buffer[s.lastIndex] = element
                return false
            }
            guard s.count < capacity else {
                s.producerWaiting = true
                return nil
            }
            s.buffer[(s.head + s.count) % capacity] = element
            s.count += 1
            let wake = s.consumerWaiting
            s.consumerWaiting = false
            return wake
        }
        guard let wake else { return false }
        if wake { consumer.notify() }
        return true
    }

    /// Whether `new` makes the queued `last` pointless: a later watermark
    /// covers an earlier one, and a watermark (which reactivates the input)
    /// or another idle mark replaces an idle mark. A watermark followed by
    /// idle keeps both: the watermark still counts.
    static func supersedes(_ new: StreamElement, _ last: StreamElement) -> Bool {
        switch (new, last) {
        case (.watermark, .watermark), (.watermark, .idle), (.idle, .idle): return true
        default: return false
        }
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

    /// Takes the oldest element, if any.
    func pop() -> Pop {
        let (result, wake): (Pop, Bool) = state.withLock { s in
            guard s.count > 0 else {
                if s.closed { return (.ended, false) }
                s.consumerWaiting = true
                return (.empty, false)
            }
            let element = s.buffer[s.head]!
            s.buffer[s.head] = nil
            s.head = (s.head + 1) % capacity
            s.count -= 1
            let wake = s.producerWaiting
            s.producerWaiting = false
            return (.element(element), wake)
        }
        if wake { producer.notify() }
        return result
    }

    /// Elements queued now (for metrics and tests).
    var queuedCount: Int { state.withLock { $0.count } }
}
