/// `Array.withUnsafeBytes` keeping typed throws: the array's method
/// rethrows untyped errors, and a typed `throws` inside its closure has
/// crashed the compiler, so the closure returns a `Result` instead.
@inline(__always)
func withBytes<Result>(
    _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(StateError) -> Result
) throws(StateError) -> Result {
    let outcome: Swift.Result<Result, StateError> = bytes.withUnsafeBytes { raw in
        do throws(StateError) {
            return .success(try body(raw))
        } catch {
            return .failure(error)
        }
    }
    return try outcome.get()
}
