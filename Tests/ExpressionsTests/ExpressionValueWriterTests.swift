import Expressions
import Testing

/// Strings are written by JSONText's one string writer, the same bytes the
/// plugin kit writes: short escapes for \b \f \n \r \t, \u00xx for the
/// other control characters.
@Suite struct ExpressionValueWriterTests {
    @Test func stringsAreWrittenAsTheKitWritesThem() throws {
        #expect(try ExpressionValue.string("a\u{08}b\u{0C}c\n\r\t\u{01}\"\\é").jsonText()
            == #""a\bb\fc\n\r\t\u0001\"\\é""#)
    }
}
