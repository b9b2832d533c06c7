import Columns
import Core
import PluginHost
import StreamhostABI
import TestKit
import Testing

/// Columns an operator passes on from its input by reference (map and
/// project share the input's children in the arrays they emit): the
/// host must keep the input alive until those arrays are released, long
/// after the process call that received it returned (a byte sink after
/// the map reads them on another thread; streamhost.h, "sh_batch").
///
/// The input comes from `PoisoningProducer`, whose release callback
/// overwrites the values it handed out instead of freeing them: a read
/// after the release sees the poison (deterministically, unlike a read of
/// freed memory), and `released` says when the release ran.
@Suite("Shared input columns")
struct SharedInputColumnsTests {
    static let schema = Schema([Field("id", .int64), Field("name", .utf8)])
    static let rows: [(Int64, String)] = [(1, "alpha"), (2, "beta"), (3, "gamma")]

    /// The first-party operator `name` of the expressions plugin, opened
    /// with `config` (its schema's defaults filled in) to read columns.
    func instance(_ name: String, config: JSONValue) throws -> ComponentInstance {
        let plugin = try PluginLoader.load(path: BuildProducts.plugin("expressions"))
        let component = try #require(plugin.components.first { $0.name == name })
        let filled = component.configSchema?.applyingDefaults(to: config) ?? config
        let context = InstanceContext(jobName: "job", stepID: name, instance: 0, kind: .operator,
                                      componentName: name, config: filled)
        context.onViolation = { Issue.record("ABI breach: \($0)") }
        let instance = try ComponentInstance(component: component, context: context)
        instance.inputFormat = .columns
        instance.outputFormat = .columns
        try instance.open(instance: 0, parallelism: 1, maxParallelism: 128, keyGroups: 0...127, inputCount: 1)
        return instance
    }

    /// A columnar input batch whose values are `producer`'s array.
    static func batch(of producer: PoisoningProducer) throws -> RecordBatch {
        let batch = RecordBatch(recordCapacity: rows.count)
        let timestamps = rows.indices.map { Int64($0) * 1000 }
        timestamps.withUnsafeBufferPointer { stamps in
            batch.append(count: rows.count, timestamps: stamps.baseAddress!, keyOffsets: nil, keys: nil,
                         valueOffsets: nil, values: nil, flags: nil)
        }
        let values = try Column.importing(moving: producer.array, type: schema.structType)
        batch.columnar = ColumnarValues(schema: schema, values: values)
        batch.seal()
        return batch
    }

    /// The records of `batches` as JSON text, as a byte sink reads them.
    static func lines(_ batches: [RecordBatch]) -> [String] {
        batches.flatMap { batch in
            let bytes = batch.convertedToBytes()
            return (0..<bytes.count).map { row in
                bytes.withRecord(at: row) { _, _, value in String(decoding: value!, as: UTF8.self) }
            }
        }
    }

    @Test func aMappedBatchStaysReadableAfterItsInputIsGone() throws {
        let map = try instance("map", config: ["set": ["doubled": "id * 2"]])
        let producer = PoisoningProducer(schema: Self.schema, rows: Self.rows)
        var input: RecordBatch? = try Self.batch(of: producer)
        try map.process(input!, input: 0)
        input = nil  // what the task does once process returned
        var output: [RecordBatch]? = map.context.takeOutput()
        #expect(!producer.released, "the emitted columns share the input's: it stays until they are released")
        #expect(Self.lines(output!) == [
            #"{"id":1,"name":"alpha","doubled":2}"#, #"{"id":2,"name":"beta","doubled":4}"#,
            #"{"id":3,"name":"gamma","doubled":6}"#,
        ])
        output = nil
        #expect(producer.released, "the input is released with the last batch that shares it")
    }

    /// A C operator whose emitted utf8 column is the input's byte values
    /// themselves (offsets and bytes): "any other buffer of the batch" of
    /// the rule. A host RecordBatch frees its buffers with itself, so the
    /// test checks its lifetime with a weak reference.
    @Test func aColumnOverTheInputsByteValuesKeepsTheInputBatch() throws {
        let directory = try TemporaryDirectory(prefix: "share-bytes")
        let plugin = try PluginLoader.load(path: try CPluginBuilder.fixture("share_bytes", into: directory))
        let component = plugin.components[0]
        let context = InstanceContext(jobName: "job", stepID: "share", instance: 0, kind: .operator,
                                      componentName: component.name, config: .object(JSONObject()))
        context.onViolation = { Issue.record("ABI breach: \($0)") }
        let instance = try ComponentInstance(component: component, context: context)
        instance.outputFormat = .columns
        try instance.open(instance: 0, parallelism: 1, maxParallelism: 128, keyGroups: 0...127, inputCount: 1)
        weak var weakInput: RecordBatch?
        var input: RecordBatch? = RecordBatch()
        for (index, text) in ["alpha", "beta", "gamma"].enumerated() {
            Array(text.utf8).withUnsafeBytes { input!.append(timestamp: Int64(index), key: nil, value: $0) }
        }
        input!.seal()
        weakInput = input
        try instance.process(input!, input: 0)
        input = nil
        var output: [RecordBatch]? = context.takeOutput()
        #expect(weakInput != nil, "the emitted column points into the input's values: it stays until released")
        #expect(Self.lines(output!) == [#"{"text":"alpha"}"#, #"{"text":"beta"}"#, #"{"text":"gamma"}"#])
        output = nil
        #expect(weakInput == nil, "the input goes with the last batch that shares it")
    }

    /// map then project, each passing columns on by reference: the
    /// project's output keeps the map's output, which keeps the input.
    @Test func aChainOfSharingStepsKeepsTheFirstInput() throws {
        let map = try instance("map", config: ["set": ["doubled": "id * 2"]])
        let project = try instance("project", config: ["keep": ["name", "doubled"], "rename": ["name": "label"]])
        let producer = PoisoningProducer(schema: Self.schema, rows: Self.rows)
        var input: RecordBatch? = try Self.batch(of: producer)
        try map.process(input!, input: 0)
        input = nil
        var mapped: [RecordBatch]? = map.context.takeOutput()
        for batch in mapped! { try project.process(batch, input: 0) }
        mapped = nil
        var projected: [RecordBatch]? = project.context.takeOutput()
        #expect(!producer.released)
        #expect(Self.lines(projected!) == [
            #"{"label":"alpha","doubled":2}"#, #"{"label":"beta","doubled":4}"#, #"{"label":"gamma","doubled":6}"#,
        ])
        projected = nil
        #expect(producer.released)
    }
}

/// A producer of one struct array (over the Arrow C Data Interface) whose
/// release callback poisons the values instead of freeing them: the int64
/// children become -1 and every byte of the utf8 children '#'. The memory
/// stays allocated (the producer owns it until it is gone itself), so a
/// late reader sees the poison rather than undefined behaviour.
final class PoisoningProducer {
    /// The array to move to its consumer.
    let array: UnsafeMutablePointer<ArrowArray>
    /// Whether the consumer released the array.
    private(set) var released = false
    private let exported: UnsafeMutablePointer<ArrowArray>
    private let column: Column

    init(schema: Schema, rows: [(Int64, String)]) {
        let column = Column(schema.structType, capacity: rows.count)
        for (id, name) in rows {
            column.children[0].append(id)
            Array(name.utf8).withUnsafeBytes { column.children[1].append(bytes: $0) }
            column.appendStruct()
        }
        self.column = column
        exported = .allocate(capacity: 1)
        column.export(to: exported)
        array = .allocate(capacity: 1)
        var moved = exported.pointee
        moved.release = { array in
            let producer = Unmanaged<PoisoningProducer>.fromOpaque(array!.pointee.private_data!).takeUnretainedValue()
            producer.poison()
            array!.pointee.release = nil
        }
        moved.private_data = Unmanaged.passUnretained(self).toOpaque()
        array.initialize(to: moved)
    }

    deinit {
        exported.pointee.release?(exported)
        exported.deallocate()
        array.deallocate()
    }

    private func poison() {
        released = true
        let children = exported.pointee.children!
        for index in 0..<Int(exported.pointee.n_children) {
            let child = children[index]!.pointee
            let length = Int(child.length)
            switch column.children[index].type {
            case .int64:
                let values = UnsafeMutableRawPointer(mutating: child.buffers[1]!)
                values.initializeMemory(as: Int64.self, repeating: -1, count: length)
            case .utf8:
                let offsets = child.buffers[1]!.assumingMemoryBound(to: Int32.self)
                let bytes = UnsafeMutableRawPointer(mutating: child.buffers[2]!)
                bytes.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "#"), count: Int(offsets[length]))
            default:
                preconditionFailure("PoisoningProducer poisons int64 and utf8 children")
            }
        }
    }
}
