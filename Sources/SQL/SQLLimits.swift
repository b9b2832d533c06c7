/// The bounds of the SQL parser, so that hostile or generated text cannot
/// exhaust memory or the stack of the parser and of the passes after it.
public enum SQLLimits {
    /// The longest SQL text accepted, in bytes: far above any hand-written
    /// script (the whole Nexmark suite is under 40 KB).
    public static let textBytesMax = 4 * 1024 * 1024
    /// How deep expressions, queries, table references and types may nest
    /// (parentheses, subqueries, joins, nested ROW types, operators whose
    /// operands nest). Each level costs a few stack frames in the parser and
    /// in every recursive pass after it (printing, resolution); 100 levels
    /// stay well inside a test thread's stack in debug builds, and no query
    /// written by a person comes near it.
    public static let nestingDepthMax = 100
    /// The most tokens one text may have (bounds the token array).
    public static let tokensMax = 1_000_000
}
