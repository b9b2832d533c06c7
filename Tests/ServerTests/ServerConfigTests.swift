import Testing
import TestKit
@testable import Server

@Suite struct ServerConfigTests {
    @Test func fileSettingsApplyWithKafkaNames() throws {
        let directory = try TemporaryDirectory(prefix: "server-config")
        let path = try directory.write("server.yaml", """
            advertised.listeners: PLAINTEXT://kafka.example:19092
            auto.create.topics.enable: false
            num.partitions: 3
            socket.request.max.bytes: 2048
            """)
        var config = ServerConfig()
        try config.apply(file: path)
        #expect(config.advertised.host == "kafka.example")
        #expect(config.advertised.port == 19092)
        #expect(config.autoCreateTopics == false)
        #expect(config.defaultPartitions == 3)
        #expect(config.requestBytesMax == 2048)
    }

    @Test func badSettingsNameTheFileLineAndWhatIsAllowed() throws {
        let directory = try TemporaryDirectory(prefix: "server-config")
        let path = try directory.write("server.yaml", "num.partitions: 2\nnum.partitons: 3\n")
        var config = ServerConfig()
        #expect(throws: ServerError.self) { try config.apply(file: path) }
        do {
            try config.apply(file: path)
        } catch {
            #expect(error.description.contains("server.yaml:2"))
            #expect(error.description.contains("unknown setting"))
        }
        #expect(throws: ServerError.self) { try config.apply(key: "num.partitions", value: "0") }
        #expect(throws: ServerError.self) { try ServerConfig.hostAndPort("localhost", key: "--listen") }
        #expect(try ServerConfig.hostAndPort("[::1]:9092", key: "--listen") == ("::1", 9092))
    }
}
