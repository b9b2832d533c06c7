import KafkaProtocol
import Log

/// Fetch v4+: whole batches from each requested offset, long-polling until
/// `min_bytes` are there or `max_wait_ms` has passed, woken by appends.
///
/// Limits as Kafka applies them (KIP-74): each partition gets at most its
/// `partition_max_bytes` and the response at most `max_bytes`, except that
/// the first batch of the first non-empty partition is sent even when it
/// is larger, so a consumer can always make progress. Fetch sessions
/// (KIP-227) are not created: every request is a full fetch, answered
/// with session id 0, which tells the client so.
extension Broker {
    func fetch(_ request: Request) async -> ProtocolStruct {
        let sessionId = request.body.int("SessionId")
        let sessionEpoch = request.body.int("SessionEpoch", or: -1)
        if sessionId != 0 || sessionEpoch > 0 {
            let code: ErrorCode = sessionId != 0 ? .fetchSessionIdNotFound : .invalidFetchSessionEpoch
            return ProtocolStruct([
                "ThrottleTimeMs": .int(0), "ErrorCode": code.value, "SessionId": .int(0), "Responses": .array([]),
            ])
        }
        let isolation: IsolationLevel = request.body.int("IsolationLevel") == 1 ? .readCommitted : .readUncommitted
        let waitMs = max(0, min(Int(request.body.int("MaxWaitMs")), config.fetchWaitMaxMs))
        let minBytes = Int(request.body.int("MinBytes"))
        let maxBytes = max(0, min(Int(request.body.int("MaxBytes", or: Int64(Int32.max))), config.fetchResponseBytesMax))
        let wanted = request.body.structs("Topics").map { topic in
            (name: topic.string("Topic") ?? "", partitions: topic.structs("Partitions"))
        }
        let keys = wanted.flatMap { topic in
            topic.partitions.map { AppendNotifier.PartitionKey(topic: topic.name, partition: Int32($0.int("Partition"))) }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(waitMs))
        while true {
            let snapshot = notifier.snapshot(keys)
            let (responses, bytes, hasError, served) = await offloaded {
                self.readPartitions(wanted, isolation: isolation, maxBytes: maxBytes)
            }
            let remainingMs = Int((deadline - clock.now) / .milliseconds(1))
            // Cancelled: the client disconnected (`KafkaServer.serveUntilClosed`).
            if bytes >= minBytes || hasError || remainingMs <= 0 || notifier.isShutDown || Task.isCancelled {
                // Only the pass that answers counts as fetched.
                for (topic, records) in served { metrics?.fetched(topic: topic, bytes: records) }
                return ProtocolStruct([
                    "ThrottleTimeMs": .int(0), "ErrorCode": ErrorCode.none.value, "SessionId": .int(0),
                    "Responses": .array(responses),
                ])
            }
            await notifier.wait(for: keys, since: snapshot, timeoutMs: remainingMs)
        }
    }

    /// One pass over the requested partitions: the response entries, the
    /// record bytes they carry, whether any partition had an error, and
    /// (with metrics) each topic's record bytes.
    private func readPartitions(
        _ wanted: [(name: String, partitions: [ProtocolStruct])], isolation: IsolationLevel, maxBytes: Int
    ) -> (responses: [ProtocolValue], bytes: Int, hasError: Bool, served: [(String, ArraySlice<UInt8>)]) {
        var served: [(String, ArraySlice<UInt8>)] = []
        var budget = maxBytes
        var total = 0
        var hasError = false
        let responses = wanted.map { wantedTopic -> ProtocolValue in
            let topic = Result { () throws(LogError) -> Topic in try data.topic(named: wantedTopic.name) }
            let partitions = wantedTopic.partitions.map { wantedPartition -> ProtocolValue in
                let index = Int32(wantedPartition.int("Partition"))
                var answer = ProtocolStruct([
                    "PartitionIndex": .int(Int64(index)), "HighWatermark": .int(-1), "LastStableOffset": .int(-1),
                    "LogStartOffset": .int(-1), "AbortedTransactions": .null, "PreferredReadReplica": .int(-1),
                    "Records": .bytes([]),
                ])
                do {
                    let partition = try topic.get().partition(Int(index))
                    answer["HighWatermark"] = .int(partition.endOffset)
                    answer["LastStableOffset"] = .int(partition.lastStableOffset)
                    answer["LogStartOffset"] = .int(partition.startOffset)
                    let partitionMax = Int(wantedPartition.int("PartitionMaxBytes"))
                    // Past the response limit only an empty response may
                    // still take one (oversized) batch.
                    if budget > 0 || total == 0 {
                        let slice = try partition.read(
                            from: wantedPartition.int("FetchOffset"), maxBytes: max(1, min(partitionMax, budget)),
                            isolation: isolation)
                        if total == 0 || slice.bytes.count <= budget {
                            answer["Records"] = .bytes(slice.bytes[...])
                            if metrics != nil { served.append((wantedTopic.name, slice.bytes[...])) }
                            total += slice.bytes.count
                            budget -= slice.bytes.count
                            if isolation == .readCommitted {
                                answer["AbortedTransactions"] = .array(
                                    slice.abortedTransactions.map {
                                        .structure(
                                            ProtocolStruct([
                                                "ProducerId": .int($0.producerId), "FirstOffset": .int($0.firstOffset),
                                            ]))
                                    })
                            }
                        }
                    }
                    answer["ErrorCode"] = ErrorCode.none.value
                } catch {
                    hasError = true
                    answer["ErrorCode"] = Self.errorCode(error).value
                }
                return .structure(answer)
            }
            return .structure(ProtocolStruct(["Topic": .string(wantedTopic.name), "Partitions": .array(partitions)]))
        }
        return (responses, total, hasError, served)
    }
}
