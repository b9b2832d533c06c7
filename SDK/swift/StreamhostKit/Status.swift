import StreamhostABI

/// The `sh_status` codes of the header as typed constants.
///
/// The header declares them in an anonymous C enum, which Swift imports as
/// `Int`; the vtable thunks need `sh_status` (`Int32`) values.
@usableFromInline
enum Status {
    @usableFromInline static let ok = sh_status(SH_OK)
    @usableFromInline static let error = sh_status(SH_ERROR)
    @usableFromInline static let idle = sh_status(SH_IDLE)
    @usableFromInline static let end = sh_status(SH_END)
    @usableFromInline static let unsupported = sh_status(SH_UNSUPPORTED)
    @usableFromInline static let notFound = sh_status(SH_NOT_FOUND)
    @usableFromInline static let invalid = sh_status(SH_INVALID)
    @usableFromInline static let wrongType = sh_status(SH_WRONG_TYPE)
    @usableFromInline static let closed = sh_status(SH_CLOSED)
    @usableFromInline static let wrongThread = sh_status(SH_WRONG_THREAD)

    /// The name of a status code, for error messages.
    @usableFromInline
    static func name(_ status: sh_status) -> String {
        switch status {
        case ok: "SH_OK"
        case error: "SH_ERROR"
        case idle: "SH_IDLE"
        case end: "SH_END"
        case unsupported: "SH_UNSUPPORTED"
        case notFound: "SH_NOT_FOUND"
        case invalid: "SH_INVALID"
        case wrongType: "SH_WRONG_TYPE"
        case closed: "SH_CLOSED"
        case wrongThread: "SH_WRONG_THREAD"
        default: "status \(status)"
        }
    }
}
