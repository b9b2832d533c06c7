import StreamhostABI

/// The level of a log line written with `Context.log(_:level:)`.
public enum LogLevel: Sendable {
    case trace, debug, info, warn, error

    @usableFromInline
    var cValue: sh_log_level {
        switch self {
        case .trace: SH_LOG_TRACE
        case .debug: SH_LOG_DEBUG
        case .info: SH_LOG_INFO
        case .warn: SH_LOG_WARN
        case .error: SH_LOG_ERROR
        }
    }
}
