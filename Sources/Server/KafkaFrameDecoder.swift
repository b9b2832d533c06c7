import NIOCore
import Synchronization

/// Splits a connection's bytes into Kafka request frames: a 4-byte
/// big-endian size, then that many bytes.
///
/// A size above the connection's limit (`FrameLimit`) or below the 8
/// bytes every request header needs throws `ServerError.frameSize`, which
/// closes the connection before the frame is buffered: a hostile size
/// prefix never makes the server allocate it.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    let limit: FrameLimit

    init(limit: FrameLimit) { self.limit = limit }

    /// The smallest request: api key, version and correlation id.
    static let requestBytesMin = 8

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        let bytesMax = limit.bytesMax
        guard size >= Self.requestBytesMin, Int(size) <= bytesMax else {
            throw ServerError.frameSize(Int(size), max: bytesMax)
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readBytes(length: Int(size))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at close is dropped with the connection.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// The largest frame a connection may send now: `socket.request.max.bytes`,
/// or `sasl.server.max.receive.size` until a SASL connection has
/// authenticated. Raised by the connection's task, read by the decoder on
/// the event loop.
///
/// # Thread safety
/// Safe from any thread.
final class FrameLimit: Sendable {
    private let value: Atomic<Int>

    init(_ bytesMax: Int) { value = Atomic(bytesMax) }

    var bytesMax: Int { value.load(ordering: .relaxed) }

    func set(_ bytesMax: Int) { value.store(bytesMax, ordering: .relaxed) }
}
