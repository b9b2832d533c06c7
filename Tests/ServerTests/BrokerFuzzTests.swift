import KafkaProtocol
import Testing
import TestKit
@testable import Server

@Suite struct BrokerFuzzTests {
    /// Mutated requests of every served API reach the handlers (not only
    /// the decoder): each gets a response that decodes, no response
    /// (acks=0), or a closed connection; nothing crashes. CreateTopics and
    /// CreatePartitions are left out: a mutated partition count could
    /// create thousands of partition directories per iteration (the count
    /// is bounded by TopicLimits.partitionsMax, which BrokerTests covers).
    @Test(.timeLimit(.minutes(2))) func mutatedRequestsOfEveryServedApi() async throws {
        let fixture = try BrokerFixture { $0.fetchWaitMaxMs = 0 }
        _ = try fixture.data.createTopic(name: "s5", partitions: 2)
        let seed: UInt64 = 0xB20_CE12
        let frames = KafkaSampleValues.requestFrames { api in
            [.createTopics, .createPartitions].contains(api) ? nil : Broker.served[api].map { $0.lowerBound...$0.upperBound }
        }
        #expect(Set(frames.map(\.api)) == Set(Broker.served.keys).subtracting([.createTopics, .createPartitions]))
        for (api, version, framed) in frames {
            let frame = Array(framed.dropFirst(4))
            // Keep the header's key and version: the handler is the target
            // here; the decoder has its own fuzz test.
            var fuzzer = MutationFuzzer(
                seed: seed ^ UInt64(api.rawValue) << 16 ^ UInt64(version), seeds: [frame], fixedPrefix: 4)
            for iteration in 0..<MutationFuzzer.iterations(12) {
                let mutated = iteration == 0 ? frame : fuzzer.next()
                let outcome = await fixture.broker.handle(frame: mutated)
                if case .respond(let response) = outcome {
                    #expect(
                        (try? Response.decode(frame: Array(response.dropFirst(4)), api: api, version: version)) != nil,
                        "\(api) v\(version) seed \(fuzzer.seed) iteration \(iteration)")
                }
            }
        }
    }
}
