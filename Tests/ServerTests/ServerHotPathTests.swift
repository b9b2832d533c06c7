import KafkaProtocol
import Log
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
@testable import Server

/// The produce/fetch hot path: where a request runs and how its answers
/// leave (Benchmark 12 measures the speed; these check the rules).
@Suite struct ServerHotPathTests {
    /// Reports whether the caller, a non-isolated async function, runs on
    /// `loop` after a suspension.
    private static func runsOn(_ loop: any EventLoop) async -> Bool {
        await Task.yield()
        return loop.inEventLoop
    }

    @Test func aConnectionTaskRunsOnItsEventLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let onLoop = await Task(executorPreference: EventLoopTaskExecutor(loop)) { await Self.runsOn(loop) }.value
        let elsewhere = await Task { await Self.runsOn(loop) }.value
        try await group.shutdownGracefully()
        #expect(onLoop)
        #expect(!elsewhere)
    }

    @Test func flushesOfOneEventLoopPassLeaveTogetherInOrder() throws {
        let channel = EmbeddedChannel(handler: FlushCoalescingHandler())
        for byte: UInt8 in 1...3 { channel.writeAndFlush(ByteBuffer(bytes: [byte]), promise: nil) }
        // Held until the tasks queued on the loop have run.
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.embeddedEventLoop.run()
        for byte: UInt8 in 1...3 { #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(bytes: [byte])) }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test func aCloseFlushesTheHeldAnswersFirst() throws {
        let channel = EmbeddedChannel(handler: FlushCoalescingHandler())
        channel.writeAndFlush(ByteBuffer(bytes: [7]), promise: nil)
        guard case .leftOvers(_, let outbound, let pending) = try channel.finish() else {
            Issue.record("the answer written before the close was not sent")
            return
        }
        #expect(outbound.count == 1)
        #expect(pending.isEmpty)
    }

    @Test func onlyProducesThatCannotFsyncRunWithoutAHop() throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "fast", partitions: 1, config: TopicConfig(["flush.mode": "never"]))
        _ = try fixture.data.createTopic(name: "synced", partitions: 1, config: TopicConfig(["flush.mode": "every-append"]))
        _ = try fixture.data.createTopic(name: "timed", partitions: 1, config: TopicConfig(["flush.mode": "interval"]))
        func produce(_ topics: [String], transactionalId: String? = nil) -> Request {
            Request(
                header: RequestHeader(apiKey: ApiKey.produce.rawValue, apiVersion: 7, correlationId: 1, clientId: "test"),
                api: .produce,
                body: ProtocolStruct([
                    "TransactionalId": transactionalId.map(ProtocolValue.string) ?? .null, "Acks": .int(1),
                    "TopicData": .array(topics.map { .structure(ProtocolStruct(["Name": .string($0)])) }),
                ]))
        }
        #expect(fixture.broker.appendsWithoutSync(produce(["fast"])))
        // An unknown topic is answered with an error, without log work.
        #expect(fixture.broker.appendsWithoutSync(produce(["fast", "missing"])))
        #expect(!fixture.broker.appendsWithoutSync(produce(["fast", "synced"])))
        #expect(!fixture.broker.appendsWithoutSync(produce(["timed"])))
        #expect(!fixture.broker.appendsWithoutSync(produce(["fast"], transactionalId: "t")))
    }
}
