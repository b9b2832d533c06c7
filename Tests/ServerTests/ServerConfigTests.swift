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

    /// The HTTP API's settings (`streamhost serve` reads them; the
    /// HTTPAPI module knows nothing of server.yaml).
    @Test func httpSettingsAreRead() throws {
        let directory = try TemporaryDirectory(prefix: "server-config-http")
        let path = try directory.write("server.yaml", """
            http.listen: 127.0.0.1:18081
            http.token.file: /etc/streamhost/http.token
            """)
        var config = ServerConfig()
        #expect(config.httpListen == nil)
        try config.apply(file: path)
        #expect(config.httpListen == "127.0.0.1:18081")
        #expect(config.httpTokenFile == "/etc/streamhost/http.token")
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

@Suite struct ServerConfigListenerTests {
    @Test func listenersAndAdvertisedListenersMatchByName() throws {
        let directory = try TemporaryDirectory(prefix: "server-config")
        let path = try directory.write("server.yaml", """
            advertised.listeners: [SASL_SSL://kafka.example:19093]
            listeners: [PLAINTEXT://127.0.0.1:9092, "SASL_SSL://[::]:9093"]
            ssl.keystore.location: /etc/keystore.pem
            sasl.credentials.file: /etc/users.json
            sasl.enabled.mechanisms: PLAIN, scram-sha-256
            """)
        var config = ServerConfig()
        try config.apply(file: path)
        try config.validate()
        #expect(config.listeners == [Listener(.plaintext, host: "127.0.0.1", port: 9092), Listener(.saslSSL, host: "::", port: 9093)])
        #expect(config.advertised(config.listeners[0]) == Endpoint(host: "127.0.0.1", port: 9092))
        #expect(config.advertised(config.listeners[1]) == Endpoint(host: "kafka.example", port: 19093))
        #expect(config.security.saslMechanisms == [.plain, .scramSHA256])
        let brokerConfigs = Dictionary(uniqueKeysWithValues: config.brokerConfigs)
        #expect(brokerConfigs["listeners"] == "PLAINTEXT://127.0.0.1:9092,SASL_SSL://[::]:9093")
        #expect(brokerConfigs["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092,SASL_SSL://kafka.example:19093")
    }

    @Test func settingsThatDoNotFitTogetherAreRefused() throws {
        func refusal(_ key: String, _ value: String) -> String {
            var config = ServerConfig()
            do {
                try config.apply(key: key, value: value)
                try config.validate()
            } catch {
                return error.description
            }
            return "accepted"
        }
        #expect(refusal("listeners", "SSL://127.0.0.1:9093").contains("ssl.keystore.location"))
        #expect(refusal("listeners", "SASL_PLAINTEXT://127.0.0.1:9093").contains("sasl.credentials.file"))
        #expect(refusal("advertised.listeners", "SSL://h:1").contains("no listener of that name"))
        #expect(refusal("listeners", "PLAINTEXT://a:1,PLAINTEXT://b:2").contains("two listeners"))
        #expect(refusal("listeners", "TLS://a:1").contains("unknown security protocol"))
        #expect(refusal("sasl.enabled.mechanisms", "GSSAPI").contains("unsupported mechanism"))
        #expect(refusal("ssl.keystore.type", "JKS").contains("PEM"))
        // A bare host:port is PLAINTEXT, as --listen always took it.
        #expect(try Listener.parse("localhost:9092", key: "--listen") == (.plaintext, "localhost", 9092))
    }
}
