import Core
import Log
import PluginHost

/// One transaction of the coordinator, as a plugin's `sh_log_txn`.
///
/// # Thread safety
/// Used by one instance's thread at a time; the coordinator it calls is
/// thread-safe.
final class LogTransaction: LogServiceTransaction {
    let coordinator: TransactionCoordinator
    let handle: TransactionHandle

    init(coordinator: TransactionCoordinator, handle: TransactionHandle) {
        self.coordinator = coordinator
        self.handle = handle
    }

    var transactionalId: String { handle.transactionalId }

    func append(topic: String, partition: Int, records: RecordBatch) throws(LogServiceError) -> Int64 {
        do {
            return try coordinator.append(handle, topic: topic, partition: partition, records: records)
        } catch {
            throw DataDirectoryLogServices.convert(error)
        }
    }

    func commit() throws(LogServiceError) {
        do { try coordinator.commit(handle) } catch { throw DataDirectoryLogServices.convert(error) }
    }

    func abort() throws(LogServiceError) {
        do { try coordinator.abort(handle) } catch { throw DataDirectoryLogServices.convert(error) }
    }
}
