#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core
import Foundation
import PluginHost
import Synchronization

/// Writes rejected records to the job's dead-letter file, one JSON object
/// per line: job, step, instance, reason, timestamp, key and value (as text
/// when they are UTF-8, else base64 in `key_base64`/`value_base64`), and
/// the time of rejection.
///
/// The file is opened on the first reject (append mode, created with its
/// directory), every line is written with one write(2) so lines from
/// several tasks never interleave, and `close` fsyncs it. A write that
/// fails is kept as the job's failure: a record that cannot be kept must
/// not be silently lost.
///
/// # Thread safety
/// All methods may be called from any thread.
public final class DeadLetterWriter: @unchecked Sendable {
    private struct State {
        var fd: Int32 = -1
        var count = 0
        var failure: String?
    }

    public let path: String
    public let jobName: String
    private let state = Mutex(State())

    public init(path: String, jobName: String) {
        self.path = path
        self.jobName = jobName
    }

    /// Records written so far.
    public var count: Int { state.withLock { $0.count } }
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
        let line = JSONValue.object(object).serialized() + "\n"
        state.withLock { s in
            guard s.failure == nil else { return }
            if s.fd < 0 {
                Self.makeParentDirectory(of: path)
                s.fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                if s.fd < 0 {
                    s.failure = "cannot open the dead-letter file \(path): \(String(cString: strerror(errno)))"
                    return
                }
            }
            var utf8 = Array(line.utf8)
            let ok = utf8.withUnsafeMutableBytes { Self.writeAll(s.fd, $0) }
            if ok {
                s.count += 1
            } else {
                s.failure = "cannot write to the dead-letter file \(path): \(String(cString: strerror(errno)))"
            }
        }
    }

    /// Flushes the file to disk and closes it.
    public func close() {
        state.withLock { s in
            guard s.fd >= 0 else { return }
            if fsync(s.fd) != 0 && s.failure == nil {
                s.failure = "cannot sync the dead-letter file \(path): \(String(cString: strerror(errno)))"
            }
            Glibc.close(s.fd)
            s.fd = -1
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

    static func writeAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    static func makeParentDirectory(of path: String) {
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    }
}
