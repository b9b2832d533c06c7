#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core
import DurableFiles
import Foundation
import PluginHost
import Synchronization

/// Writes rejected records to the job's dead-letter destination, one JSON
/// object per record: job, step, instance, reason, timestamp, key and value
/// (as text when they are UTF-8, else base64 in `key_base64`/`value_base64`),
/// and the time of rejection.
///
/// The destination is a topic (`<job>.dlq` by default, created with one
/// partition on the first reject; each reject is appended at once with the
/// step id as key, so it is as durable as the topic's flush.mode) or a
/// JSON-lines file (opened on the first reject in append mode, one write(2)
/// per line so lines from several tasks never interleave, fsynced by
/// `close`). A write that fails is kept as the job's failure: a record that
/// cannot be kept must not be silently lost.
///
/// # Thread safety
/// All methods may be called from any thread.
public final class DeadLetterWriter: @unchecked Sendable {
    private struct State {
        var file: DurableFile?
        var count = 0
        /// Records written, by the step that rejected them.
        var countByStep: [String: Int] = [:]
        /// By step id and reason class, for the dead-letter metric.
        var countByStepAndReason: [StepReason: Int] = [:]
        var failure: String?
    }

    /// Where rejected records go.
    public enum Destination: Sendable, CustomStringConvertible {
        case file(String)
        case topic(String, any LogServices)

        public var description: String {
            switch self {
            case .file(let path): return path
            case .topic(let name, _): return "topic \(name) (streamhost consume \(name) --from-beginning)"
            }
        }
    }

    public let destination: Destination
    public let jobName: String
    private let state = Mutex(State())

    public init(destination: Destination, jobName: String) {
        self.destination = destination
        self.jobName = jobName
    }

    public convenience init(path: String, jobName: String) {
        self.init(destination: .file(path), jobName: jobName)
    }

    /// The destination, for messages.
    public var path: String { destination.description }

    /// Records written so far.
    public var count: Int { state.withLock { $0.count } }
    /// Records written so far, by the id of the step that rejected them.
    public var countByStep: [String: Int] { state.withLock { $0.countByStep } }
    /// Records written so far, by step id and reason class.
    public var countByStepAndReason: [StepReason: Int] { state.withLock { $0.countByStepAndReason } }
    /// Why writing failed, if it did.
    public var failure: String? { state.withLock { $0.failure } }

    public func write(_ record: RejectedRecord) {
        var object = JSONObject()
        object["job"] = .string(jobName)
        object["step"] = .string(record.stepID)
        object["instance"] = .int(Int64(record.instance))
        object["reason"] = .string(record.reason)
        object["timestamp"] = .int(record.timestamp)
        Self.put(record.key, name: "key", into: &object)
        Self.put(record.value, name: "value", into: &object)
        object["rejected_at"] = .int(Int64(Date().timeIntervalSince1970 * 1000))
        let text = JSONValue.object(object).serialized()
        if case .topic(let topic, let services) = destination {
            append(text, key: record.stepID, reason: record.reasonClass, to: topic, services)
            return
        }
        let path = self.path
        let line = text + "\n"
        state.withLock { s in
            guard s.failure == nil else { return }
            if s.file == nil {
                // Best effort: a directory that cannot be made shows as the
                // open's error just below.
                try? ActiveFileSystem.current.makeDirectories(Paths.parent(of: path))
                do throws(FileSystemError) {
                    s.file = try DurableFile.open(path, .writeOnly, options: [.create, .append])
                } catch {
                    s.failure = "cannot open the dead-letter file \(path): \(error.reason)"
                    return
                }
            }
            var written = true
            do throws(FileSystemError) { try s.file?.append(Array(line.utf8)) } catch {
                s.failure = "cannot write to the dead-letter file \(path): \(error.reason)"
                written = false
            }
            if written {
                s.count += 1
                s.countByStep[record.stepID, default: 0] += 1
                s.countByStepAndReason[StepReason(step: record.stepID, reason: record.reasonClass), default: 0] += 1
            }
        }
    }

    /// Flushes the file to disk and closes it.
    public func close() {
        state.withLock { s in
            guard let file = s.file else { return }
            do throws(FileSystemError) { try file.sync() } catch {
                if s.failure == nil { s.failure = "cannot sync the dead-letter file \(path): \(error.reason)" }
            }
            file.close()
            s.file = nil
        }
    }

    /// Appends one rejected record to the topic, keyed by its step id.
    private func append(_ text: String, key: String, reason: RejectedRecord.ReasonClass, to topic: String,
                        _ services: any LogServices) {
        state.withLock { s in
            guard s.failure == nil else { return }
            let records = RecordBatch(recordCapacity: 1)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            Array(key.utf8).withUnsafeBytes { keyBytes in
                Array(text.utf8).withUnsafeBytes { records.append(timestamp: now, key: keyBytes, value: $0) }
            }
            do throws(LogServiceError) {
                if s.count == 0 { try services.ensureTopic(topic, partitions: 1) }
                _ = try services.append(topic: topic, partition: 0, records: records)
                s.count += 1
                s.countByStep[key, default: 0] += 1
                s.countByStepAndReason[StepReason(step: key, reason: reason), default: 0] += 1
            } catch {
                s.failure = "cannot write to the dead-letter topic \(topic): \(error.message)"
            }
        }
    }

    private static func put(_ bytes: [UInt8]?, name: String, into object: inout JSONObject) {
        guard let bytes else {
            object[name] = .null
            return
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            object[name] = .string(text)
        } else {
            object[name + "_base64"] = .string(Data(bytes).base64EncodedString())
        }
    }
}

/// A step id and a reason class: the key of the dead-letter counts.
public struct StepReason: Hashable, Sendable {
    public let step: String
    public let reason: RejectedRecord.ReasonClass
}
