#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

private let makeSocket = socket

/// One HTTP/1.1 GET over a plain loopback socket, as a scraper sends it:
/// tests read `/metrics` with it without a client library.
public enum HTTPGet {
    public struct Response {
        public let status: Int
        public let headers: [String: String]
        public let body: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Responses larger than this are refused (a bound, not a limit of the
    /// server under test).
    public static let responseBytesMax = 64 << 20

    /// GET `path` from 127.0.0.1:`port` with `Connection: close`, reading
    /// until the server closes; `method` for the refusal tests.
    public static func get(port: Int, path: String, method: String = "GET", timeoutSeconds: Int = 30) throws -> Response {
        let socket = makeSocket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket(): errno \(errno)") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)") }
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw Failure(description: "send to 127.0.0.1:\(port): errno \(errno)")
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw Failure(description: "recv from 127.0.0.1:\(port): errno \(errno)") }
            received += chunk[0..<count]
            guard received.count <= responseBytesMax else { throw Failure(description: "response over \(responseBytesMax) bytes") }
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no end of headers in: \(text.prefix(200))") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    /// The value of the sample `name{labels}` in a Prometheus text
    /// exposition, where every label of `labels` matches; nil when absent.
    public static func sample(_ exposition: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples(exposition, name, labels).first
    }

    /// Every matching sample's value (see `sample`).
    public static func samples(_ exposition: String, _ name: String, _ labels: [String: String] = [:]) -> [Double] {
        exposition.split(separator: "\n").compactMap { line -> Double? in
            guard !line.hasPrefix("#"), line.hasPrefix(name) else { return nil }
            let rest = line.dropFirst(name.count)
            guard rest.first == "{" || rest.first == " " else { return nil }
            for (key, value) in labels where !rest.contains("\(key)=\"\(value)\"") { return nil }
            guard let space = rest.lastIndex(of: " ") else { return nil }
            return Double(rest[rest.index(after: space)...])
        }
    }

    /// A loopback TCP port that was free a moment ago (for a program that
    /// takes a port and cannot pick one itself).
    public static func freePort() throws -> Int {
        let socket = makeSocket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket(): errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "bind to 127.0.0.1:0: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
