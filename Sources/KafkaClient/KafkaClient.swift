#if canImport(Glibc)
import Glibc
#endif
import KafkaProtocol

/// A minimal synchronous Kafka client: one blocking TCP connection, one
/// request at a time, each answer read whole (bounded) before the next
/// request. Enough for the CLI to work through a running `streamhost serve`;
/// not a general client (no pipelining, no metadata refresh, one broker).
///
/// Not thread-safe: one caller at a time.
public final class KafkaClient {
    /// The largest answer accepted: a Fetch asks for at most
    /// `fetchBytesMax`, so anything far larger is a broken stream.
    public static let frameBytesMax = 64 << 20
    /// How long a send or a read may block before the request fails; longer
    /// than any long-poll wait the CLI asks for.
    public static let ioTimeoutSeconds = 30

    public let address: String
    private var fd: Int32
    private var correlationId: Int32 = 0
    private let clientId: String

    public init(host: String, port: Int, clientId: String = "streamhost-cli") throws {
        address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.clientId = clientId
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw KafkaClientError.connect(address: address, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var connected: Int32 = -1
        while let info = candidate {
            let socketFD = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            if socketFD >= 0 {
                if connect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    connected = socketFD
                    break
                }
                lastError = errno
                Glibc.close(socketFD)
            } else {
                lastError = errno
            }
            candidate = info.pointee.ai_next
        }
        guard connected >= 0 else {
            throw KafkaClientError.connect(address: address, reason: String(cString: strerror(lastError)))
        }
        fd = connected
        // Requests go out whole and wait for their answer: Nagle's
        // algorithm would hold a frame's last partial segment back until
        // the previous ones are acknowledged (Kafka's Java client, and the
        // server here, set TCP_NODELAY too).
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: Self.ioTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Connects to the PLAINTEXT listener of the running server that
    /// `server` describes; throws `.noPlaintextListener` when it has none
    /// (this client does not do TLS or SASL).
    public convenience init(server: ServerDiscovery, clientId: String = "streamhost-cli") throws {
        guard server.hasPlaintextListener else {
            throw KafkaClientError.noPlaintextListener(pid: server.pid, listeners: server.listeners ?? [])
        }
        try self.init(host: server.connectHost, port: server.port, clientId: clientId)
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends one request and returns the answer's body. Transport and
    /// decoding failures throw naming the API; error codes inside the body
    /// are the caller's to check (`check`).
    public func send(_ api: ApiKey, version: Int16, _ body: ProtocolStruct) throws -> ProtocolStruct {
        precondition(api.supportedVersions.contains(version), "\(api) v\(version) is outside the schema")
        guard fd >= 0 else { throw KafkaClientError.transport(address: address, api: api, reason: "the connection is closed") }
        correlationId &+= 1
        let request = Request(
            header: RequestHeader(apiKey: api.rawValue, apiVersion: version, correlationId: correlationId, clientId: clientId),
            api: api, body: body)
        do {
            try writeAll(request.encodeFrame())
            let size = try readExactly(4).withUnsafeBytes { Int(Int32(bigEndian: $0.loadUnaligned(as: Int32.self))) }
            guard size >= 4 && size <= Self.frameBytesMax else {
                throw Failure("answer size \(size) is outside 4...\(Self.frameBytesMax) bytes")
            }
            let frame = try readExactly(size)
            let response: Response
            do {
                response = try Response.decode(frame: frame, api: api, version: version)
            } catch {
                close()
                throw KafkaClientError.malformed(address: address, api: api, reason: "\(error)")
            }
            guard response.correlationId == correlationId else {
                close()
                throw KafkaClientError.malformed(
                    address: address, api: api,
                    reason: "it answers correlation id \(response.correlationId), the request had \(correlationId)")
            }
            return response.body
        } catch let failure as Failure {
            close()
            throw KafkaClientError.transport(address: address, api: api, reason: failure.reason)
        }
    }

    /// Throws `.kafka` when `code` is not NONE.
    public static func check(_ code: Int64, _ api: ApiKey, _ context: String, message: String? = nil) throws {
        guard code != 0 else { return }
        throw KafkaClientError.kafka(api: api, code: Int16(truncatingIfNeeded: code), context: context, message: message)
    }

    private struct Failure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(errno == EAGAIN ? "sending timed out after \(Self.ioTimeoutSeconds) s"
                        : String(cString: strerror(errno)))
                }
                offset += written
            }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            if received == 0 { throw Failure("the server closed the connection") }
            if received < 0 {
                if errno == EINTR { continue }
                throw Failure(errno == EAGAIN ? "no answer within \(Self.ioTimeoutSeconds) s"
                    : String(cString: strerror(errno)))
            }
            offset += received
        }
        return bytes
    }
}
