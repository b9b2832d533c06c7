import NIOCore

/// A client that disconnects while its request waits.
extension KafkaServer {
    /// Serves a connection until it is done or the client closes it,
    /// whichever comes first. A long-polling Fetch (up to
    /// `fetch.max.wait.ms`) would otherwise hold a closed connection, and
    /// its place under `max.connections.per.ip`, until its wait ran out:
    /// the close cancels the serving task, which ends the wait at once.
    /// A request already being applied (a Produce's append) runs to its
    /// end first, so its batch is stored whole or not at all.
    func serveUntilClosed(_ accepted: Accepted, listener: Int) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.serve(accepted, listener: listener) }
            group.addTask { try? await accepted.channel.channel.closeFuture.get() }
            await group.next()
            group.cancelAll()
        }
    }
}
