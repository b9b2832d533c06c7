import StreamhostKit
import Testing

@Suite struct ContextTests {
    @Test func emitOverloadsCopyKeyAndValue() throws {
        let fake = FakeContext()
        let context = fake.context
        try context.emit(timestamp: 1, key: "k", value: "v")
        try context.emit(timestamp: 2, value: "no key")
        try context.emit(timestamp: 3, key: [0, 1], value: [2, 3])
        try context.emit(timestamp: 4, key: nil as [UInt8]?, value: [UInt8]())
        try "raw".utf8.withContiguousStorageIfAvailable { bytes in
            try context.emit(timestamp: 5, key: UnsafeRawBufferPointer(bytes), value: UnsafeRawBufferPointer(bytes))
        }
        #expect(fake.emitted == [
            SeenRecord(timestamp: 1, key: "k", value: "v"),
            SeenRecord(timestamp: 2, key: nil, value: "no key"),
            SeenRecord(timestamp: 3, key: [0, 1], value: [2, 3]),
            SeenRecord(timestamp: 4, key: nil, value: []),
            SeenRecord(timestamp: 5, key: "raw", value: "raw"),
        ])
    }

    @Test func emptyKeyAndValueAreNotNull() throws {
        let fake = FakeContext()
        try fake.context.emit(timestamp: 0, key: "", value: "")
        try fake.context.emit(timestamp: 0, key: [UInt8](), value: [UInt8]())
        try fake.context.emit(timestamp: 0, key: UnsafeRawBufferPointer(start: nil, count: 0),
                              value: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(fake.emitted.count == 3)
        for record in fake.emitted {
            #expect(record.key == [])
            #expect(record.value == [])
        }
    }

    @Test func tombstonesGoThroughTheRawRecord() throws {
        let fake = FakeContext()
        var record = sh_record()
        record.timestamp = 9
        try fake.context.emit(record)
        #expect(fake.emitted == [SeenRecord(timestamp: 9, key: nil, value: nil as [UInt8]?)])
    }

    @Test func rejectCopiesTheRecordAndReason() throws {
        let fake = FakeContext()
        try fake.context.reject(timestamp: 7, key: nil, value: nil, reason: "no value")
        try "bad".utf8.withContiguousStorageIfAvailable { bytes in
            try fake.context.reject(timestamp: 8, value: UnsafeRawBufferPointer(bytes), reason: "bad input")
        }
        #expect(fake.rejected.map(\.reason) == ["no value", "bad input"])
        #expect(fake.rejected.map(\.record) == [
            SeenRecord(timestamp: 7, key: nil, value: nil as [UInt8]?),
            SeenRecord(timestamp: 8, key: nil, value: "bad"),
        ])
    }

    @Test func failedEmitThrowsWithTheHostsMessage() {
        let fake = FakeContext()
        fake.emitStatus = sh_status(SH_CLOSED)
        fake.hostError = "the instance was closed"
        #expect(throws: PluginError.host(function: "emit", status: sh_status(SH_CLOSED), message: "the instance was closed")) {
            try fake.context.emit(timestamp: 0, value: "x")
        }
        #expect(fake.emitted.isEmpty)
    }

    @Test func countersLogTimeAndWakeup() throws {
        let fake = FakeContext()
        fake.processingTime = 42
        fake.watermark = 17
        let context = fake.context
        let first = try context.counter(named: "first")
        let second = try context.counter(named: "second")
        first.add()
        second.add(5)
        first.add(2)
        context.log("hello", level: .warn)
        context.log("default level")
        context.waker.wake()
        #expect(fake.counterNames == ["first", "second"])
        #expect(fake.counterValues == [3, 5])
        #expect(fake.logs.map(\.message) == ["hello", "default level"])
        #expect(fake.logs.map(\.level) == [SH_LOG_WARN, SH_LOG_INFO])
        #expect(context.processingTime == 42)
        #expect(context.watermark == 17)
        #expect(fake.wakeups == 1)
        #expect(context.services & UInt64(SH_SERVICE_CORE) != 0)
        fake.hostError = "last"
        #expect(context.lastError == "last")
    }

    @Test func keyedStateTimersAndSideOutputsGoThroughTheHost() throws {
        let fake = FakeContext()
        let context = fake.context
        let counts = try context.valueState(named: "counts", ttlMs: 50)
        let buckets = try context.mapState(named: "buckets")
        let key: [UInt8] = [1, 2]
        try key.withUnsafeBytes { key in
            #expect(try context.get(counts, key: key) == nil)
            try [UInt8](arrayLiteral: 7).withUnsafeBytes { try context.put(counts, key: key, value: $0) }
            #expect(try context.get(counts, key: key).map(Array.init) == [7])
            for userKey in [[UInt8]([2]), [1, 9], [1]] {
                try userKey.withUnsafeBytes { try context.put(buckets, key: key, userKey: $0, value: $0) }
            }
            var visited: [[UInt8]] = []
            try context.forEach(buckets, key: key) { userKey, value in
                #expect(Array(userKey) == Array(value))
                visited.append(Array(userKey))
                return visited.count < 2
            }
            // Byte order, and the visit stops when the body says so.
            #expect(visited == [[1], [1, 9]])
            try context.registerTimer(.eventTime, key: key, time: 30)
            try context.registerTimer(.eventTime, key: key, time: 30)
            try context.registerTimer(.eventTime, key: key, time: 20)
            try context.deleteTimer(.eventTime, key: key, time: 20)
            #expect(fake.keyedState.eventTimers.map(\.time) == [30])
            try context.emitSide("late", timestamp: 4, key: key, value: nil)
            // The value state's TTL runs on processing time.
            fake.processingTime += 50
            #expect(try context.get(counts, key: key) == nil)
            try context.delete(buckets, key: key, userKey: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        #expect(fake.keyedState.entryCount("buckets") == 3)
        #expect(fake.sideOutputs.map(\.output) == ["late"])
        #expect(fake.sideOutputs.map(\.record) == [SeenRecord(timestamp: 4, key: key, value: nil as [UInt8]?)])
    }
}
