import StreamhostKit
import Testing

@Suite struct BatchTests {
    let records = [
        SeenRecord(timestamp: 10, key: "a", value: "first"),
        SeenRecord(timestamp: 11, key: nil, value: "no key"),
        SeenRecord(timestamp: 12, key: "", value: ""),
        SeenRecord(timestamp: 13, key: "t", value: nil as String?),
    ]

    @Test func accessorsReadTheColumns() {
        withBatch(records, input: 1) { pointer in
            let batch = Batch(pointer)
            #expect(batch.count == 4)
            #expect(batch.input == 1)
            #expect((0..<4).map(batch.timestamp(at:)) == [10, 11, 12, 13])
            #expect(batch.key(at: 0).map(Array.init) == Array("a".utf8))
            #expect(batch.key(at: 1) == nil)
            #expect(batch.key(at: 2).map(Array.init) == [])
            #expect(batch.value(at: 2).map(Array.init) == [])
            #expect(batch.value(at: 3) == nil)
            #expect(batch.flags(at: 1) == UInt8(SH_RECORD_KEY_NULL))
            #expect(batch.flags(at: 3) == UInt8(SH_RECORD_VALUE_NULL))
            #expect(batch.flags(at: 0) == 0)
        }
    }

    @Test func iterationYieldsEveryRecord() {
        let seen = withBatch(records) { pointer in
            Batch(pointer).map { SeenRecord(timestamp: $0.timestamp, key: $0.key.map(Array.init), value: $0.value.map(Array.init)) }
        }
        #expect(seen == records)
        let indexes = withBatch(records) { Batch($0).map(\.index) }
        #expect(indexes == [0, 1, 2, 3])
    }

    @Test func recordAtMatchesTheHeadersInlineAccessor() {
        withBatch(records) { pointer in
            let batch = Batch(pointer)
            for index in 0..<batch.count {
                var expected = sh_record()
                sh_batch_record(pointer, UInt32(index), &expected)
                let actual = batch.record(at: index)
                #expect(SeenRecord(actual) == SeenRecord(expected))
                #expect((actual.key == nil) == (expected.key == nil))
                #expect((actual.value == nil) == (expected.value == nil))
                #expect(SeenRecord(batch[index].cRecord) == SeenRecord(expected))
            }
        }
    }

    @Test func batchWithoutKeyColumnsHasNullKeys() {
        withBatch([SeenRecord(value: "x"), SeenRecord(value: "y")], nullKeyColumns: true) { pointer in
            let batch = Batch(pointer)
            #expect(pointer.pointee.key_offsets == nil)
            #expect(batch.key(at: 0) == nil)
            #expect(batch.key(at: 1) == nil)
            #expect(batch.value(at: 1).map(Array.init) == Array("y".utf8))
        }
    }

    @Test func emptyBatch() {
        withBatch([]) { pointer in
            let batch = Batch(pointer)
            #expect(batch.isEmpty)
            #expect(Array(batch).isEmpty)
        }
    }

    @Test func operatorSeesNullsAndInputAndCanForwardTheWholeBatch() {
        let echo = component(testDescriptor, SH_KIND_OPERATOR, "echo")!
        let describe = Harness(echo, config: ["mode": .string("describe")])
        #expect(describe.create() == SH_OK)
        #expect(describe.process(records, input: 1) == SH_OK)
        #expect(describe.fake.emittedValues == [
            "1 key=a value=first", "1 null-key value=no key", "1 key= value=", "1 key=t null-value",
        ])

        let forward = Harness(echo, config: ["mode": .string("batch")])
        #expect(forward.create() == SH_OK)
        #expect(forward.process(records) == SH_OK)
        #expect(forward.fake.emitted == records)

        let oneByOne = Harness(echo)
        #expect(oneByOne.create() == SH_OK)
        #expect(oneByOne.process(records) == SH_OK)
        #expect(oneByOne.fake.emitted == records)
    }
}
