import Core
import PluginHost

/// Sends a task's output batches to the channels of the steps it feeds,
/// by each edge's exchange, and holds what a full channel refused.
///
/// Hash exchanges split batches by key group into per-target builders that
/// are sealed when full or when the task is about to wait (`flushPartials`),
/// so batches stay large under load and records don't linger when it's quiet.
///
/// # Thread safety
/// Used only by its task.
final class OutputRouter {
    final class Edge {
        let exchange: Exchange
        /// For a side output: the producing step (by plan index) and the
        /// output's name; nil for the chain's main output.
        let sideOutput: (step: Int, name: String)?
        /// The consumer's channels: one per consumer instance, or, for a
        /// forward edge, only the channel to the same-numbered instance.
        let channels: [Channel]
        // Touched per record by one task only: no dynamic exclusivity checks.
        @exclusivity(unchecked) var nextTarget: Int
        @exclusivity(unchecked) var builders: [RecordBatch?]

        init(exchange: Exchange, channels: [Channel], firstTarget: Int, sideOutput: (step: Int, name: String)? = nil) {
            self.exchange = exchange
            self.sideOutput = sideOutput
            self.channels = channels
            self.nextTarget = firstTarget
            self.builders = Array(repeating: nil, count: channels.count)
        }
    }

    private let edges: [Edge]
    private let instance: Int
    private let keyGroups: KeyGroups
    private let batchRecordsMax: Int
    private let deadLetters: DeadLetterWriter
    /// Records that went into each hash exchange, by its key_by step id,
    /// for the run summary.
    private(set) var keyedCounts: [String: Int] = [:]
    /// Elements refused by a full channel, per channel, oldest first.
    private var pending: [ObjectIdentifier: (Channel, [StreamElement])] = [:]
    private var pendingOrder: [ObjectIdentifier] = []

    init(edges: [Edge], instance: Int, keyGroups: KeyGroups, batchRecordsMax: Int, deadLetters: DeadLetterWriter) {
        self.edges = edges
        self.instance = instance
        self.keyGroups = keyGroups
        self.batchRecordsMax = batchRecordsMax
        self.deadLetters = deadLetters
    }

    var hasPending: Bool { !pendingOrder.isEmpty }

    /// Routes one sealed batch of the chain's main output along its edges.
    func route(_ batch: RecordBatch) {
        batch.seal()
        for edge in edges where edge.sideOutput == nil { send(batch, along: edge) }
    }

    /// Routes a batch of step `step`'s side output `name` to the steps that
    /// read it.
    func routeSide(_ batch: RecordBatch, step: Int, name: String) {
        batch.seal()
        for edge in edges {
            guard let side = edge.sideOutput, side.step == step, side.name == name else { continue }
            send(batch, along: edge)
        }
    }

    private func send(_ batch: RecordBatch, along edge: Edge) {
        switch edge.exchange {
        case .forward:
            send(batch, to: edge.channels[0])
        case .rebalance:
            send(batch, to: edge.channels[edge.nextTarget])
            edge.nextTarget = (edge.nextTarget + 1) % edge.channels.count
        case .hash(let selector, let stepID):
            partition(batch, edge: edge, selector: selector, stepID: stepID)
        }
    }

    private enum ExtractedKey {
        case slice(UnsafeRawBufferPointer)
        case decoded([UInt8])
        case failure(String)
    }

    private func partition(_ typedBatch: RecordBatch, edge: Edge, selector: KeySelector, stepID: String) {
        // The exchange reads keys from byte values (and the consumer past
        // it is told to expect bytes): typed columns are written as JSON here.
        let batch = typedBatch.convertedToBytes()
        keyedCounts[stepID, default: 0] += batch.count
        for index in 0..<batch.count {
            batch.withRecord(at: index) { timestamp, key, value in
                let extracted: ExtractedKey
                switch selector {
                case .recordKey:
                    extracted = key.map(ExtractedKey.slice) ?? .failure("key_by '$key': the record has no key")
                case .field(let path, let text):
                    extracted = extractKey(path, text: text, from: value)
                }
                switch extracted {
                case .slice(let routedKey):
                    append(timestamp: timestamp, key: routedKey, value: value, edge: edge)
                case .decoded(let bytes):
                    bytes.withUnsafeBytes { append(timestamp: timestamp, key: $0, value: value, edge: edge) }
                case .failure(let reason):
                    deadLetters.write(RejectedRecord(
                        stepID: stepID, instance: instance, reason: reason,
                        timestamp: timestamp, key: key.map { Array($0) }, value: value.map { Array($0) },
                        reasonClass: .key))
                }
            }
        }
    }

    @inline(__always)
    private func append(timestamp: Int64, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?, edge: Edge) {
        let target = keyGroups.instance(owning: keyGroups.keyGroup(of: key), parallelism: edge.channels.count)
        let builder: RecordBatch
        if let existing = edge.builders[target] {
            builder = existing
        } else {
            builder = RecordBatch(recordCapacity: batchRecordsMax)
            edge.builders[target] = builder
        }
        builder.append(timestamp: timestamp, key: key, value: value)
        if builder.count >= batchRecordsMax {
            edge.builders[target] = nil
            send(builder, to: edge.channels[target])
        }
    }

    /// The key of a record from a field of its JSON value, or why there is none.
    private func extractKey(_ path: JSONFieldPath, text: String, from value: UnsafeRawBufferPointer?) -> ExtractedKey {
        guard let value else { return .failure("key_by '\(text)': the record's value is null") }
        switch JSONScanner.find(path, in: value) {
        case .found(let kind, let range):
            switch kind {
            case .null:
                return .failure("key_by '\(text)': field '\(text)' is null")
            case .stringWithEscapes:
                guard let decoded = JSONScanner.unescapedString(UnsafeRawBufferPointer(rebasing: value[range])) else {
                    return .failure("key_by '\(text)': field '\(text)' holds an invalid string")
                }
                return .decoded(decoded)
            default:
                return .slice(UnsafeRawBufferPointer(rebasing: value[range]))
            }
        case .missing:
            return .failure("key_by '\(text)': field '\(text)' is missing")
        case .notAnObject:
            return .failure("key_by '\(text)': the value is not a JSON object with that path")
        case .malformed(let offset):
            return .failure("key_by '\(text)': the value is not valid JSON (at byte \(offset))")
        }
    }

    /// Seals partly filled hash builders so their records move on.
    func flushPartials() {
        for edge in edges {
            for target in edge.builders.indices {
                if let builder = edge.builders[target], builder.count > 0 {
                    edge.builders[target] = nil
                    send(builder, to: edge.channels[target])
                }
            }
        }
    }

    private func send(_ batch: RecordBatch, to channel: Channel) {
        batch.seal()
        send(.batch(batch), to: channel)
    }

    private func send(_ element: StreamElement, to channel: Channel) {
        let id = ObjectIdentifier(channel)
        if pending[id] == nil, channel.tryPush(element) { return }
        if pending[id] == nil {
            pending[id] = (channel, [element])
            pendingOrder.append(id)
        } else if Channel.supersedes(element, pending[id]!.1.last!) {
            pending[id]!.1[pending[id]!.1.count - 1] = element
        } else {
            pending[id]!.1.append(element)
        }
    }

    /// Sends a watermark or idle mark down every channel, after the records
    /// routed before it.
    func broadcast(_ marker: StreamElement) {
        flushPartials()
        for edge in edges { for channel in edge.channels { send(marker, to: channel) } }
    }

    /// Pushes held elements; false while some channel is still full.
    func flush() -> Bool {
        var index = 0
        while index < pendingOrder.count {
            let id = pendingOrder[index]
            var (channel, elements) = pending[id]!
            var sent = 0
            while sent < elements.count, channel.tryPush(elements[sent]) { sent += 1 }
            if sent == elements.count {
                pending[id] = nil
                pendingOrder.remove(at: index)
            } else {
                elements.removeFirst(sent)
                pending[id] = (channel, elements)
                index += 1
            }
        }
        return pendingOrder.isEmpty
    }

    /// Ends every outgoing stream (after the chain closed and flushed).
    func closeChannels() {
        precondition(!hasPending, "closing channels with elements still held")
        for edge in edges { for channel in edge.channels { channel.close() } }
    }
}
