import Foundation
import StreamhostKit

/// The keyed state and timers of one fake instance, kept the plainest way:
/// per registered state a dictionary key → user key → entry (value state
/// uses the empty user key), and a set of timers.
///
/// It behaves like the host where the plugins can tell: map entries are
/// visited in user-key byte order, an entry of a TTL state expires `ttlMs`
/// of processing time after its last write (gone once `processingTime >=`
/// write time + TTL), values are BORROWED until the next call, one timer
/// per (domain, key, time), and no call may be made while a map is being
/// visited (a precondition, so a plugin that breaks the rule fails its
/// test).
///
/// # Thread safety
/// None: one test drives one instance.
final class FakeKeyedState {
    struct Registration: Equatable {
        var name: String
        var kind: sh_state_kind
        var ttlMs: Int64
    }

    struct Entry {
        var value: [UInt8]
        /// `Int64.max` without TTL.
        var expiresAt: Int64
    }

    struct Timer: Hashable {
        var domain: sh_time_domain
        var time: Int64
        var key: [UInt8]

        /// Timers fire in (time, key bytes) order.
        static func firesBefore(_ a: Timer, _ b: Timer) -> Bool {
            a.time != b.time ? a.time < b.time : a.key.lexicographicallyPrecedes(b.key)
        }
    }

    private(set) var registrations: [Registration] = []
    /// Per state id: key → user key → entry.
    private var entries: [[[UInt8]: [[UInt8]: Entry]]] = []
    private(set) var timers: Set<Timer> = []
    /// The processing time TTL is measured against (the fake context's).
    var processingTime: () -> Int64
    private var visiting = false
    /// The copy a get returned, freed by the next call.
    private var borrowed: UnsafeMutableRawPointer?

    init(processingTime: @escaping () -> Int64) {
        self.processingTime = processingTime
    }

    deinit { free(borrowed) }

    // MARK: What tests look at

    /// Live (unexpired) entries of the state `name`, over every key.
    func entryCount(_ name: String) -> Int {
        guard let id = registrations.firstIndex(where: { $0.name == name }) else { return 0 }
        let now = processingTime()
        return entries[id].values.reduce(0) { $0 + $1.values.count(where: { $0.expiresAt > now }) }
    }

    /// The event-time timers, in firing order.
    var eventTimers: [Timer] {
        timers.filter { $0.domain == SH_TIME_EVENT }.sorted(by: Timer.firesBefore)
    }

    /// Removes and returns the first event-time timer at or before `limit`.
    func popEventTimer(notAfter limit: Int64) -> Timer? {
        guard let first = eventTimers.first, first.time <= limit else { return nil }
        timers.remove(first)
        return first
    }

    // MARK: The host functions

    func register(_ descriptor: sh_state_desc) -> (sh_status, sh_state_id) {
        checkNotVisiting()
        let registration = Registration(
            name: String(cString: descriptor.name), kind: descriptor.kind, ttlMs: descriptor.ttl_ms)
        if let id = registrations.firstIndex(where: { $0.name == registration.name }) {
            return registrations[id] == registration ? (sh_status(SH_OK), sh_state_id(id)) : (sh_status(SH_INVALID), 0)
        }
        registrations.append(registration)
        entries.append([:])
        return (sh_status(SH_OK), sh_state_id(registrations.count - 1))
    }

    /// SH_OK and the entry's value, copied into memory that stays valid
    /// until the next call; SH_NOT_FOUND when it is absent or expired.
    func get(_ id: sh_state_id, kind: sh_state_kind, key: [UInt8], userKey: [UInt8])
        -> (status: sh_status, value: UnsafeRawBufferPointer?)
    {
        guard let state = state(id, kind) else { return (sh_status(SH_INVALID), nil) }
        guard let entry = entries[state][key]?[userKey], entry.expiresAt > processingTime() else {
            return (sh_status(SH_NOT_FOUND), nil)
        }
        free(borrowed)
        borrowed = malloc(max(entry.value.count, 1))
        entry.value.withUnsafeBytes { if let base = $0.baseAddress { borrowed!.copyMemory(from: base, byteCount: $0.count) } }
        return (sh_status(SH_OK), UnsafeRawBufferPointer(start: borrowed, count: entry.value.count))
    }

    func put(_ id: sh_state_id, kind: sh_state_kind, key: [UInt8], userKey: [UInt8], value: [UInt8]) -> sh_status {
        guard let state = state(id, kind) else { return sh_status(SH_INVALID) }
        let ttl = registrations[state].ttlMs
        entries[state][key, default: [:]][userKey] = Entry(
            value: value, expiresAt: ttl > 0 ? processingTime() + ttl : .max)
        return sh_status(SH_OK)
    }

    func delete(_ id: sh_state_id, kind: sh_state_kind, key: [UInt8], userKey: [UInt8]) -> sh_status {
        guard let state = state(id, kind) else { return sh_status(SH_INVALID) }
        entries[state][key]?[userKey] = nil
        if entries[state][key]?.isEmpty == true { entries[state][key] = nil }
        return sh_status(SH_OK)
    }

    /// Visits the key's live map entries in user-key byte order until the
    /// visitor returns something other than SH_OK, which is returned.
    func iterate(_ id: sh_state_id, key: [UInt8], _ visit: (_ userKey: [UInt8], _ value: [UInt8]) -> sh_status)
        -> sh_status
    {
        guard let state = state(id, SH_STATE_MAP) else { return sh_status(SH_INVALID) }
        let now = processingTime()
        let live = (entries[state][key] ?? [:]).filter { $0.value.expiresAt > now }
        visiting = true
        defer { visiting = false }
        for (userKey, entry) in live.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let status = visit(userKey, entry.value)
            if status != SH_OK { return status }
        }
        return sh_status(SH_OK)
    }

    func registerTimer(_ timer: Timer) -> sh_status {
        checkNotVisiting()
        timers.insert(timer)
        return sh_status(SH_OK)
    }

    func deleteTimer(_ timer: Timer) -> sh_status {
        checkNotVisiting()
        timers.remove(timer)
        return sh_status(SH_OK)
    }

    /// The index of a registered state of `kind`, or nil (then the call
    /// answers SH_INVALID, as the host does for an unknown id or the other
    /// kind's functions).
    private func state(_ id: sh_state_id, _ kind: sh_state_kind) -> Int? {
        checkNotVisiting()
        let index = Int(id)
        guard index < registrations.count, registrations[index].kind == kind else { return nil }
        return index
    }

    private func checkNotVisiting() {
        precondition(!visiting, "a host function was called while state_map_iterate was visiting a map")
    }
}
