import KafkaProtocol
import Log

/// DeleteRecords: moves each partition's log start offset up (the log
/// stores it, fsynced, before deleting whole segments below it); offset -1
/// means the high watermark, as in Kafka.
extension Broker {
    func deleteRecords(_ request: Request) -> ProtocolStruct {
        let topics = request.body.structs("Topics").map { wanted -> ProtocolValue in
            let name = wanted.string("Name") ?? ""
            let topic = Result { () throws(LogError) -> Topic in try data.topic(named: name) }
            let partitions = wanted.structs("Partitions").map { entry -> ProtocolValue in
                let index = entry.int("PartitionIndex")
                let offset = entry.int("Offset")
                var answer = ProtocolStruct(["PartitionIndex": .int(index), "LowWatermark": .int(-1)])
                // Kafka's ReplicaManager refuses it the same way.
                if let refusal = Self.internalTopicRefusal(name, "delete records of") {
                    logger.debug("DeleteRecords on \(name)/\(index) refused: \(refusal.message)")
                    answer["ErrorCode"] = refusal.code.value
                    return .structure(answer)
                }
                do {
                    let partition = try topic.get().partition(Int(index))
                    guard offset >= -1 else {
                        throw LogError.offsetOutOfRange(
                            TopicPartition(topic: name, partition: Int(index)), requested: offset,
                            start: partition.startOffset, end: partition.endOffset)
                    }
                    answer["LowWatermark"] = .int(try partition.deleteRecords(before: offset == -1 ? nil : offset))
                    answer["ErrorCode"] = ErrorCode.none.value
                } catch {
                    logger.debug("DeleteRecords on \(name)/\(index) before \(offset) refused: \(error)")
                    answer["ErrorCode"] = Self.errorCode(error).value
                }
                return .structure(answer)
            }
            return .structure(ProtocolStruct(["Name": .string(name), "Partitions": .array(partitions)]))
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Topics": .array(topics)])
    }
}
