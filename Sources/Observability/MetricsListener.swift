import NIOCore
import NIOHTTP1
import NIOPosix

/// The small HTTP listener of `--metrics-listen`: SwiftNIO's HTTP/1 codec
/// in front of `MetricsEndpoint`, on one event-loop thread of its own.
///
/// Until the HTTP API serves `/metrics` itself, `run` and `serve` use this;
/// a request body is not read (a scrape has none) and the listener keeps
/// no per-connection state beyond NIO's.
///
/// # Thread safety
/// `start` and `stop` from any thread, once each.
public final class MetricsListener: Sendable {
    /// Request heads and bodies larger than this close the connection.
    public static let requestBytesMax = 16 * 1024

    public let endpoint: MetricsEndpoint
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Binds `host:port` (port 0 picks a free one; `port` tells which).
    public init(endpoint: MetricsEndpoint, host: String, port: Int) throws {
        self.endpoint = endpoint
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(endpoint: endpoint))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw MetricsListenerError(host: host, port: port, underlying: "\(error)")
        }
    }

    /// The port bound.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Closes the listener and its connections.
    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// The metrics listener could not bind its address.
public struct MetricsListenerError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let underlying: String
    public var description: String {
        "cannot listen for /metrics on \(host):\(port): \(underlying); choose another --metrics-listen address"
    }
}

/// Answers each request with `MetricsEndpoint.respond`.
private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoint: MetricsEndpoint
    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    init(endpoint: MetricsEndpoint) {
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > MetricsListener.requestBytesMax { context.close(promise: nil) }
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let response = endpoint.respond(method: head.method.rawValue, path: head.uri)
        let keepAlive = head.isKeepAlive
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                      promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
