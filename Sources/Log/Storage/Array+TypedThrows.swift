extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body with a typed error: the standard one
    /// rethrows untyped, which would turn every error into `any Error`.
    @inline(__always)
    func withBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outcome = withUnsafeBytes { buffer in
            Swift.Result(catching: { () throws(Failure) -> Result in try body(buffer) })
        }
        return try outcome.get()
    }

    /// `withUnsafeMutableBytes` for a body with a typed error.
    @inline(__always)
    mutating func withMutableBytes<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outcome = withUnsafeMutableBytes { buffer in
            Swift.Result(catching: { () throws(Failure) -> Result in try body(buffer) })
        }
        return try outcome.get()
    }
}
