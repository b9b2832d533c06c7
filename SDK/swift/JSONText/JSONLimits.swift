/// The bounds every JSON reader in streamhost applies, declared once.
public enum JSONLimits {
    /// The deepest nesting of arrays and objects accepted, by the parser,
    /// the scanners, the plugin kit and `streamhost_json.h` alike: deep
    /// enough for any record, shallow enough that a recursive walk of a
    /// hostile record cannot exhaust a thread's stack.
    public static let nestingDepthMax = 512
}
