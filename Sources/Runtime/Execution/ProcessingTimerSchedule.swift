/// When a task must wake up for its chain's processing-time timers: the
/// earliest timer, and the wake-up already scheduled for it, so that a
/// timer registered later than one already waited for schedules nothing
/// more (a busy operator registers thousands).
///
/// Times are the host clock's milliseconds, passed in, so the machine runs
/// without a clock or a thread of its own.
///
/// # Thread safety
/// A value type, owned by one task and touched only while it runs (timers
/// are registered from inside its callbacks).
struct ProcessingTimerSchedule {
    /// The earliest processing-time timer of the chain.
    private(set) var next: Int64?
    /// The time of the wake-up already scheduled.
    private(set) var wakeScheduledFor: Int64?

    /// An instance registered a timer at `time`; returns the delay in ms of
    /// a wake-up to schedule, or nil when one early enough is scheduled.
    mutating func registered(at time: Int64, now: Int64) -> Int? {
        if next.map({ time < $0 }) ?? true { next = time }
        return scheduleWake(now: now)
    }

    /// The task is about to fire the timers due at `now`: a wake-up for a
    /// time that has come is spent.
    mutating func firing(now: Int64) {
        if let scheduled = wakeScheduledFor, scheduled <= now { wakeScheduledFor = nil }
    }

    /// The timers fired; `earliest` is the earliest timer the instances
    /// still hold. Returns the delay of a wake-up to schedule, as
    /// `registered` does.
    mutating func fired(earliest: Int64?, now: Int64) -> Int? {
        next = earliest
        return scheduleWake(now: now)
    }

    private mutating func scheduleWake(now: Int64) -> Int? {
        guard let due = next, wakeScheduledFor.map({ due < $0 }) ?? true else { return nil }
        wakeScheduledFor = due
        return Int(max(0, due - now))
    }
}
