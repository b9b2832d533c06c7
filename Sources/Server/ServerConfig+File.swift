import Foundation
import Yams

/// Reading `server.yaml`: a flat mapping of Kafka-style keys to scalars
/// (lists as YAML sequences or comma-separated).
///
///     listeners: [PLAINTEXT://127.0.0.1:9092, SASL_SSL://0.0.0.0:9093]
///     advertised.listeners: PLAINTEXT://localhost:9092,SASL_SSL://kafka.example:9093
///     auto.create.topics.enable: true
///     num.partitions: 3
extension ServerConfig {
    /// The keys a server config file may hold.
    public static let keys = [
        "advertised.listeners", "auto.create.topics.enable", "broker.id", "cluster.id", "fetch.max.bytes",
        "fetch.max.wait.ms", "group.initial.rebalance.delay.ms", "group.max.session.timeout.ms",
        "group.max.size", "group.min.session.timeout.ms", "http.listen", "http.token.file", "log.cleaner.backoff.ms", "log.cleaner.enable",
        "listeners", "log.retention.check.interval.ms", "max.connections.per.ip", "max.inflight.requests.per.connection",
        "num.partitions", "offsets.retention.check.interval.ms", "offsets.retention.minutes",
        "producer.id.expiration.check.interval.ms", "producer.id.expiration.ms",
        "sasl.credentials.file", "sasl.enabled.mechanisms", "sasl.server.max.receive.size", "socket.request.max.bytes",
        "ssl.keystore.location", "ssl.keystore.type", "transaction.abort.timed.out.transaction.cleanup.interval.ms",
        "transaction.max.timeout.ms",
    ]

    /// Applies the settings of a YAML file; an unknown key or a bad value
    /// throws naming the file and line. Call `validate()` once every
    /// setting is applied.
    public mutating func apply(file path: String) throws(ServerError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .invalidConfig(key: "--config", value: path, reason: "the file cannot be read (\(error.localizedDescription))")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw .invalidConfig(key: "--config", value: path, reason: "not valid YAML: \(error)")
        }
        guard let root else { return }
        guard let mapping = root.mapping else {
            throw .invalidConfig(key: "--config", value: path, reason: "expected a mapping of setting names to values")
        }
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark.map { "\(path):\($0.line)" } ?? path
            // A list (listeners, mechanisms) may also be a YAML sequence of
            // scalars; it reads as Kafka's comma-separated form.
            let listItems = valueNode.sequence.map { $0.map { $0.scalar?.string } }
            guard let key = keyNode.string,
                let value = valueNode.scalar?.string
                    ?? listItems.flatMap({ $0.contains(nil) ? nil : $0.compactMap { $0 }.joined(separator: ",") })
            else {
                throw .invalidConfig(key: keyNode.string ?? "?", value: "", reason: "\(line): expected `name: value`")
            }
            do {
                try apply(key: key, value: value)
            } catch .invalidConfig(let key, let value, let reason) {
                throw .invalidConfig(key: key, value: value, reason: "\(line): \(reason)")
            } catch {
                throw error
            }
        }
    }

    /// Applies one setting, checking it.
    public mutating func apply(key: String, value: String) throws(ServerError) {
        func integer(_ range: ClosedRange<Int>) throws(ServerError) -> Int {
            guard let number = Int(value), range.contains(number) else {
                throw .invalidConfig(key: key, value: value, reason: "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        switch key {
        case "http.listen":
            httpListen = value
        case "http.token.file":
            httpTokenFile = value
        case "listeners":
            listeners = try Listener.parseList([value], key: key).map { Listener($0.0, host: $0.1, port: $0.2) }
        case "advertised.listeners":
            // Matched to `listeners` by name in validate(), whichever
            // setting comes first in the file.
            advertisedListeners = Dictionary(
                uniqueKeysWithValues: try Listener.parseList([value], key: key).map { ($0.0, Endpoint(host: $0.1, port: $0.2)) })
        case "auto.create.topics.enable":
            guard let flag = Bool(value) else { throw .invalidConfig(key: key, value: value, reason: "expected true or false") }
            autoCreateTopics = flag
        case "broker.id": nodeId = Int32(try integer(0...Int(Int32.max)))
        case "cluster.id":
            guard !value.isEmpty else { throw .invalidConfig(key: key, value: value, reason: "expected a non-empty name") }
            clusterId = value
        case "fetch.max.bytes": fetchResponseBytesMax = try integer(1...Int(Int32.max))
        case "fetch.max.wait.ms": fetchWaitMaxMs = try integer(0...300_000)
        case "group.initial.rebalance.delay.ms": groups.initialRebalanceDelayMs = Int64(try integer(0...300_000))
        case "group.max.session.timeout.ms": groups.maxSessionTimeoutMs = Int64(try integer(1...3_600_000))
        case "group.max.size": groups.maxGroupSize = try integer(1...100_000)
        case "group.min.session.timeout.ms": groups.minSessionTimeoutMs = Int64(try integer(1...3_600_000))
        case "log.cleaner.backoff.ms": maintenance.cleanerIntervalMs = Int64(try integer(1...86_400_000))
        case "log.cleaner.enable":
            guard let flag = Bool(value) else { throw .invalidConfig(key: key, value: value, reason: "expected true or false") }
            maintenance.cleanerEnabled = flag
        case "log.retention.check.interval.ms": maintenance.retentionCheckIntervalMs = Int64(try integer(1...86_400_000))
        case "producer.id.expiration.check.interval.ms":
            maintenance.producerIdExpirationCheckIntervalMs = Int64(try integer(1...86_400_000))
        case "producer.id.expiration.ms": maintenance.producerIdExpirationMs = Int64(try integer(1...Int(Int32.max)))
        case "transaction.abort.timed.out.transaction.cleanup.interval.ms":
            maintenance.transactionTimeoutCheckIntervalMs = Int64(try integer(1...86_400_000))
        case "transaction.max.timeout.ms": transactionMaxTimeoutMs = Int64(try integer(1...Int(Int32.max)))
        case "max.connections.per.ip": connectionsPerAddressMax = try integer(1...100_000)
        case "max.inflight.requests.per.connection": inFlightRequestsPerConnectionMax = try integer(1...1000)
        case "num.partitions": defaultPartitions = try integer(1...10_000)
        case "offsets.retention.minutes": groups.offsetsRetentionMs = Int64(try integer(1...Int(Int32.max))) * 60_000
        case "offsets.retention.check.interval.ms":
            groups.offsetsRetentionCheckIntervalMs = Int64(try integer(1...86_400_000))
        case "socket.request.max.bytes": requestBytesMax = try integer(1024...Int(Int32.max))
        case "ssl.keystore.location":
            guard !value.isEmpty else { throw .invalidConfig(key: key, value: value, reason: "expected a PEM file path") }
            security.keystoreLocation = value
        case "ssl.keystore.type":
            guard value.uppercased() == "PEM" else {
                throw .invalidConfig(
                    key: key, value: value,
                    reason: "only PEM keystores are read; convert with `openssl pkcs12 -in KEYSTORE -nodes` and set PEM")
            }
        case "sasl.credentials.file":
            guard !value.isEmpty else { throw .invalidConfig(key: key, value: value, reason: "expected a file path") }
            security.credentialsFile = value
        case "sasl.enabled.mechanisms":
            var mechanisms: [SaslMechanism] = []
            for name in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).uppercased() })
            where !name.isEmpty {
                guard let mechanism = SaslMechanism(rawValue: name) else {
                    throw .invalidConfig(
                        key: key, value: value,
                        reason: "unsupported mechanism \(name); supported: \(SaslMechanism.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if !mechanisms.contains(mechanism) { mechanisms.append(mechanism) }
            }
            guard !mechanisms.isEmpty else { throw .invalidConfig(key: key, value: value, reason: "expected at least one mechanism") }
            security.saslMechanisms = mechanisms
        case "sasl.server.max.receive.size": security.saslReceiveBytesMax = try integer(1024...16 << 20)
        default:
            throw .invalidConfig(key: key, value: value, reason: "unknown setting; known settings are \(Self.keys.joined(separator: ", "))")
        }
    }

    /// Splits `host:port` (an IPv6 host in brackets), as `--listen`,
    /// `listeners` and `advertised.listeners` take it after the protocol.
    public static func hostAndPort(_ text: String, key: String) throws(ServerError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw .invalidConfig(key: key, value: text, reason: "expected host:port with a port from 0 to 65535")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidConfig(key: key, value: text, reason: "the host is empty") }
        return (host, port)
    }
}
