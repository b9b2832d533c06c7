import Foundation
import Testing
import TestKit

/// examples/kafka-clients as its README runs it, against `streamhost serve`:
/// the seed producer, kcat's session, and a group of two consumers.
@Suite struct KafkaClientsExampleTests {
    static let folder = BuildProducts.packageRoot + "/examples/kafka-clients"

    /// Runs blocking child processes side by side and keeps their outcomes.
    final class Concurrent: @unchecked Sendable {
        private let lock = NSLock()
        private var outcomes: [Int: Result<ProcessOutcome, any Error>] = [:]

        func run(_ count: Int, _ body: @escaping @Sendable (Int) throws -> ProcessOutcome) throws -> [ProcessOutcome] {
            let group = DispatchGroup()
            for index in 0..<count {
                DispatchQueue.global().async(group: group) {
                    let result = Result { try body(index) }
                    self.lock.withLock { self.outcomes[index] = result }
                }
            }
            group.wait()
            return try (0..<count).map { index in try lock.withLock { outcomes[index]! }.get() }
        }
    }

    @Test func producerKcatAndAGroupOfTwoConsumersReadEveryOrderOnce() throws {
        let total = 500
        let scratch = try TemporaryDirectory(prefix: "kafka-clients-example")
        // Four partitions, so both members of the group get some.
        let server = try ServeGroupTests.server(scratch)
        let python = try KafkaClients.python()
        let kcat = try KafkaClients.kcat()
        let environment = ["BOOTSTRAP": server.bootstrap]

        let produced = try KafkaClients.run(
            python, [Self.folder + "/producer.py", String(total)], environment: environment)
        #expect(produced.status == 0, "\(produced.standardError)\n\(server.log)")
        #expect(produced.standardOutput.contains("produced \(total) orders"), "\(produced.standardOutput)")

        let session = try KafkaClients.run("/bin/sh", [Self.folder + "/kcat.sh"], environment: environment)
        #expect(session.status == 0, "\(session.standardError)")
        #expect(session.standardOutput.contains("topic \"orders\" with 4 partitions"), "\(session.standardOutput)")
        let kcatOrders = session.standardOutput.split(separator: "\n").filter { $0.contains("\"order_id\"") }
        #expect(kcatOrders.count == total, "\(session.standardOutput)")

        let consumers = try Concurrent().run(2) { _ in
            try KafkaClients.run(python, [Self.folder + "/consumer.py", "90"], environment: environment)
        }
        for consumer in consumers {
            #expect(consumer.status == 0, "\(consumer.standardError)\n\(server.log)")
        }
        let perConsumer = consumers.map { $0.standardOutput.split(separator: "\n").compactMap { Int($0) } }
        // Across the two members every order exactly once (how the orders
        // split between them depends on when each joined: not asserted).
        let all = perConsumer.flatMap { $0 }
        #expect(all.count == total, "\(perConsumer.map(\.count))")
        #expect(all.sorted() == Array(0..<total))
        #expect(server.stop() == 0, "\(server.log)")
    }
}
