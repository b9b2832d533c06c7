/// The step instance where an attempt's failure was raised: carried as
/// fields from the failure to the run's result, the worker's report and
/// the job service's exceptions, so that nobody parses it out of a message.
public struct FailurePlace: Sendable, Equatable {
    public var stepID: String
    public var instance: Int

    public init(stepID: String, instance: Int) {
        self.stepID = stepID
        self.instance = instance
    }
}

extension JobFailure {
    /// Where a failure that carries its place was raised (a plugin
    /// callback's error); nil for the others, whose raiser passes the
    /// place along when it knows one (`JobExecution.fail(_:at:)`).
    var place: FailurePlace? {
        if case .plugin(let error) = self { return FailurePlace(stepID: error.stepID, instance: error.instance) }
        return nil
    }
}
