import SQL
import Testing

/// Typical mistakes get an error with the file, the line and column of the
/// offending token, and a message that says what was expected there.
@Suite struct SQLParserErrorTests {
    static func error(_ text: String) -> SQLError? {
        do {
            _ = try SQLParser.parse(text, file: "job.sql")
            return nil
        } catch {
            return error
        }
    }

    static let cases: [(text: String, rendered: String)] = [
        // A missing ')'.
        ("SELECT count(* FROM bid", "job.sql:1:16: expected ')' after the arguments of count, found 'FROM'"),
        ("SELECT (price + 1 FROM bid", "job.sql:1:19: expected ')' to close the '(' at 1:8, found 'FROM'"),
        // An unterminated string and comment.
        ("SELECT 'abc FROM bid", "job.sql:1:8: unterminated string literal: the ' opened here is never closed"),
        ("SELECT 1 /* note", "job.sql:1:10: unterminated comment: '/*' without a closing '*/'"),
        // A keyword where a name or an expression belongs.
        ("SELECT auction FROM bid WHERE GROUP BY auction",
         "job.sql:1:31: expected an expression, found the keyword GROUP (quote a name spelled like a keyword in backquotes: `GROUP`)"),
        ("CREATE TABLE t (select INT)",
         "job.sql:1:17: expected a column name, found the keyword SELECT (quote a name spelled like a keyword in backquotes: `select`)"),
        ("DELETE FROM bid",
         "job.sql:1:1: expected a statement (CREATE, INSERT, EXECUTE STATEMENT SET, SELECT, EXPLAIN or SET), found 'DELETE'"),
        // Trailing commas.
        ("CREATE TABLE t (\n  a INT,\n  b STRING,\n) WITH ('connector' = 'blackhole')",
         "job.sql:4:1: expected a column, WATERMARK or PRIMARY KEY after ',', found ')'"),
        ("SELECT a, b, FROM t", "job.sql:1:14: expected a select list item before FROM, found 'FROM'"),
        // A missing FROM, a missing ON, a missing ';'.
        ("SELECT auction, price\nWHERE price > 10", "job.sql:2:1: expected FROM before WHERE, found 'WHERE'"),
        ("SELECT * FROM a JOIN b WHERE a.x = b.x", "job.sql:1:24: expected ON or USING after the right side of JOIN, found 'WHERE'"),
        ("SELECT 1\nSELECT 2", "job.sql:2:1: expected ';' or the end of the text after the statement, found 'SELECT'"),
        ("SELECT a b c FROM t", "job.sql:1:12: expected ',' or FROM after the select list, found 'c'"),
        ("SELECT * FROM a, b ON a.x = b.x", "job.sql:1:20: a comma join takes no ON; write JOIN ... ON, or the condition in WHERE"),
        // Intervals: a bad unit, a plural outside intervals, a value that does not fit, a number.
        ("SELECT ts - INTERVAL '5' SECS FROM t",
         "job.sql:1:26: expected a time unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) after INTERVAL '5', found 'SECS'"),
        ("SELECT EXTRACT(HOURS FROM ts) FROM t",
         "job.sql:1:16: expected a time unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) after EXTRACT (, found 'HOURS'; write HOUR, not HOURS"),
        ("SELECT INTERVAL '10:00' SECOND", "job.sql:1:17: interval value '10:00' does not fit SECOND: expected 'n' or 'n.fff'"),
        ("SELECT INTERVAL '10' MINUTE TO HOUR",
         "job.sql:1:8: INTERVAL MINUTE TO HOUR is not a valid range (ranges go from a larger to a smaller unit, within YEAR TO MONTH or within DAY to SECOND)"),
        ("SELECT INTERVAL 5 SECOND", "job.sql:1:17: expected the interval's value in quotes after INTERVAL, found number 5 (write INTERVAL '5' ...)"),
        // DDL: a missing NOT ENFORCED, an unknown type, a number as an option's value, an option twice.
        ("CREATE TABLE t (id INT, PRIMARY KEY (id)) WITH ('connector' = 'print')",
         "job.sql:1:41: expected NOT ENFORCED after the primary key, found ')' (Flink does not check primary keys, so it requires NOT ENFORCED)"),
        ("CREATE TABLE t (price MONEY)",
         "job.sql:1:23: unknown type 'MONEY'; expected one of BOOLEAN, TINYINT, SMALLINT, INT, INTEGER, BIGINT, FLOAT, REAL, DOUBLE, DECIMAL, DEC, NUMERIC, CHAR, CHARACTER, VARCHAR, STRING, BINARY, VARBINARY, BYTES, DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ, ARRAY, MULTISET, MAP, ROW"),
        ("CREATE TABLE t (a INT) WITH ('rows-per-second' = 10)",
         "job.sql:1:50: expected a string value for option 'rows-per-second', found number 10 (write '10')"),
        ("CREATE TABLE t (a INT) WITH ('topic' = 'a', 'topic' = 'b')", "job.sql:1:45: option 'topic' appears twice in WITH of table t"),
        ("CREATE TABLE t (person ROW<id BIGINT, name VARCHAR)",
         "job.sql:1:51: expected '>' after the fields of ROW, found ')'"),
        // Lexical: double quotes, a placeholder left in, CASE without END.
        ("SELECT \"price\" FROM bid",
         "job.sql:1:8: double quotes are not part of Flink SQL: write strings in single quotes ('text') and quote names in backquotes (`name`)"),
        ("SELECT * FROM ${NEXMARK_TABLE}",
         "job.sql:1:15: unexpected character '$' (a ${...} placeholder must be substituted before parsing)"),
        ("SELECT CASE WHEN a THEN 1 FROM t", "job.sql:1:27: expected END to close the CASE at 1:8, found 'FROM'"),
        // Window TVFs: TABLE(...) wrapping something that is not a call.
        ("SELECT * FROM TABLE(bid)",
         "job.sql:1:24: expected '(' after bid in TABLE(...): TABLE(...) wraps a call such as TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE), found ')'"),
        ("EXECUTE STATEMENT SET BEGIN SELECT 1; END",
         "job.sql:1:29: expected INSERT or END in a statement set (only INSERT statements belong in one), found 'SELECT'"),
    ]

    @Test(arguments: cases.indices)
    func mistakeIsNamedWithItsPlace(index: Int) throws {
        let (text, rendered) = Self.cases[index]
        let error = try #require(Self.error(text), "\(text) parsed")
        #expect(error.description == rendered)
        #expect(error.kind == .syntax)
        #expect(error.file == "job.sql")
    }

    /// The line and column count Unicode scalars, not bytes.
    @Test func columnsCountCharactersNotBytes() throws {
        let error = try #require(Self.error("SELECT 'größe', 名前 FROM t WHERE"))
        #expect(error.description == "job.sql:1:32: expected an expression, found the end of the text")
        #expect(error.line == 1 && error.column == 32)
    }
}
