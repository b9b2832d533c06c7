import NIOCore

extension KafkaServer {
    /// Answers a frame of a SASL connection that has not logged in yet:
    /// through its `SaslSession`, which passes ApiVersions on to the
    /// broker. A successful login raises the connection's frame limit
    /// from `sasl.server.max.receive.size` to `socket.request.max.bytes`.
    func authenticating(
        _ frame: [UInt8], session: inout SaslSession, accepted: Accepted, listener index: Int, address: String,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> Broker.Outcome {
        let listener = session.listener
        switch await session.handle(frame: frame, derive: { work in await self.broker.offloaded(work) }) {
        case .forward:
            return await broker.handle(frame: frame, clientHost: "/" + address, listener: index)
        case .respond(let bytes):
            if let user = session.user {
                // Before the answer leaves, so the client's next request
                // is judged by the usual limit.
                accepted.frameLimit.set(config.requestBytesMax)
                logger.debug("\(address) authenticated as \(user) on \(listener)")
            }
            return .respond(bytes)
        case .respondAndClose(let bytes, let reason):
            try await outbound.write(ByteBuffer(bytes: bytes))
            return .close(reason: reason)
        case .close(let reason):
            return .close(reason: reason)
        }
    }
}
