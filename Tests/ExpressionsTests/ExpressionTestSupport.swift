import Expressions
import Testing

/// Compiles `text` and evaluates it on `record`.
func evaluate(_ text: String, record: String = "{}", timestamp: Int64 = 0) throws -> ExpressionValue {
    let program = try ExpressionProgram([.init(text)])
    var record = record
    return try record.withUTF8 { bytes in
        try program.load(record: UnsafeRawBufferPointer(bytes), timestamp: timestamp)
        return try program.evaluate(0)
    }
}

/// The value's JSON text, for compact expectations.
func json(_ text: String, record: String = "{}", timestamp: Int64 = 0) throws -> String {
    try evaluate(text, record: record, timestamp: timestamp).jsonText()
}

/// The compile error of `text`, or nil when it compiles.
func compileError(_ text: String, expecting: ExpressionType? = nil) -> ExpressionError? {
    do {
        try ExpressionProgram.check(text, expecting: expecting)
        return nil
    } catch {
        return error as ExpressionError
    }
}

/// The run-time error of `text` on `record`, or nil when it evaluates.
func runtimeError(_ text: String, record: String = "{}") throws -> ExpressionRuntimeError? {
    let program = try ExpressionProgram([.init(text)])
    var record = record
    return record.withUTF8 { bytes -> ExpressionRuntimeError? in
        do {
            try program.load(record: UnsafeRawBufferPointer(bytes), timestamp: 0)
            _ = try program.evaluate(0)
            return nil
        } catch {
            return error as? ExpressionRuntimeError
        }
    }
}
