import SQL
import Testing
import TestKit

/// The `nexmark` connector, regular joins and native functions, planned
/// from the Nexmark texts as the runner hands them over (the generator
/// table's connector clause unchanged): what Nexmark q3 and q14 need.
@Suite(.enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
struct NexmarkConnectorPlannerTests {
    static func script(_ query: String) throws -> String {
        try NexmarkFiles.text("ddl_gen.sql") + "\n" + NexmarkFiles.text("ddl_views.sql") + "\n" + NexmarkFiles.text(query)
    }

    static func plan(_ text: String, nativeFunctions: SQLNativeFunctionLookup? = nil) throws(SQLError) -> SQLJob {
        try SQLPlanner.plan(text, file: "q.sql", jobName: "nexmark", nativeFunctions: nativeFunctions)
    }

    static func error(_ text: String, nativeFunctions: SQLNativeFunctionLookup? = nil) -> SQLError? {
        do {
            _ = try plan(text, nativeFunctions: nativeFunctions)
            return nil
        } catch {
            return error
        }
    }

    static func config(_ step: SQLJobStep) -> String { SQLJobValue.object(step.config).json }

    @Test func theGeneratorTableIsTheNexmarkSourceStampedWithItsEventTime() throws {
        let job = try Self.plan(Self.script("q0.sql"))
        let source = try #require(job.steps.first)
        #expect(source.component == "nexmark")
        #expect(Self.config(source) == #"{"first-event": {"rate": 10000000}, "next-event": {"rate": 10000000}, "events": {"num": 100000000}, "#
            + #""person": {"proportion": 1}, "auction": {"proportion": 3}, "bid": {"proportion": 46}}"#)
        // WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND.
        #expect(source.watermarks.map { SQLJobValue.object($0).json }
            == #"{"strategy": "bounded_out_of_orderness", "max_out_of_orderness_ms": 3999}"#)
        // The computed event time is the records' own timestamp.
        #expect(job.steps.contains { $0.component == "map" && Self.config($0).contains(#""dateTime": "event_time()""#) })
    }

    @Test(arguments: ["q7.sql", "q8.sql", "q11.sql"]) func windowsOnTheEventTimePlan(_ query: String) throws {
        let job = try Self.plan(Self.script(query))
        #expect(job.steps.contains { $0.component == "window" })
    }

    @Test func otherWatermarksAndColumnsAreRefused() throws {
        let watermark = Self.error("""
            CREATE TABLE g (event_type INT, bid ROW<`dateTime` TIMESTAMP(3)>, t AS bid.`dateTime`,
              WATERMARK FOR t AS t) WITH ('connector' = 'nexmark');
            SELECT event_type FROM g
            """)
        #expect(watermark?.kind == .unsupported)
        #expect(watermark?.description.hasPrefix("q.sql:2:17: a watermark on t with the nexmark connector: its records are stamped with the event's dateTime") == true,
                "\(watermark.map(String.init(describing:)) ?? "planned")")
        let column = Self.error("CREATE TABLE g (event_type INT, price BIGINT) WITH ('connector' = 'nexmark'); SELECT price FROM g")
        #expect(column?.description == "q.sql:1:33: the nexmark connector makes Nexmark's generator table (event_type, person, auction, bid); "
            + "table g has a column price it cannot fill")
        let option = Self.error("CREATE TABLE g (event_type INT) WITH ('connector' = 'nexmark', 'rate.shape' = 'sine'); SELECT event_type FROM g")
        #expect(option?.kind == .connector)
        #expect(option?.message.hasPrefix("unknown option 'rate.shape' for connector nexmark (table g); nexmark takes connector, events.num,") == true,
                "\(option.map(String.init(describing:)) ?? "planned")")
    }

    @Test func aRegularJoinKeepsEveryRecordUnlessAStateTTLBoundsIt() throws {
        let join = try #require(try Self.plan(Self.script("q3.sql")).steps.first { $0.component == "join" })
        #expect(Self.config(join) == #"{"lower_ms": -9223372036854775807, "upper_ms": 9223372036854775807}"#)
        let bounded = try Self.plan("SET 'table.exec.state.ttl' = '1 h';\n" + Self.script("q3.sql"))
        #expect(bounded.steps.first { $0.component == "join" }.map(Self.config) == #"{"lower_ms": -3600000, "upper_ms": 3600000}"#)
        #expect(bounded.notes.contains { $0.contains("table.exec.state.ttl = 3600000 ms") })
        let bad = Self.error(try "SET 'table.exec.state.ttl' = 'a while';\n" + Self.script("q3.sql"))
        #expect(bad?.description.hasPrefix("q.sql:1:30: table.exec.state.ttl is a duration") == true,
                "\(bad.map(String.init(describing:)) ?? "planned")")
    }

    /// q14 with count_char declared as a C function of a library whose
    /// descriptor the lookup stands for.
    static func q14(declaring declaration: String) throws -> String {
        try script("q14.sql").replacingOccurrences(of: "'com.github.nexmark.flink.udf.CountChar'", with: declaration)
    }

    @Test func aNativeFunctionIsDeclaredWithTheLibrarysSignatureAndCalled() throws {
        var asked: [String] = []
        let job = try Self.plan(Self.q14(declaring: "'nexmark_count_char' LANGUAGE C USING LIBRARY './libcountchar.so'")) { library, symbol in
            asked.append("\(library) \(symbol)")
            return symbol == "nexmark_count_char" ? SQLNativeSignature(signature: "int64(const char*,const char*)") : nil
        }
        #expect(asked == ["./libcountchar.so nexmark_count_char"])
        #expect(job.functions == [SQLJobFunction(name: "count_char", library: "./libcountchar.so", symbol: "nexmark_count_char",
                                                 signature: SQLNativeSignature(signature: "int64(const char*,const char*)"))])
        #expect(job.yaml.contains(#"functions:\#n  - {"name": "count_char", "library": "./libcountchar.so", "symbol": "nexmark_count_char", "signature": "int64(const char*,const char*)"}\#npipeline:"#),
                "\(job.yaml)")
        #expect(job.steps.contains { Self.config($0).contains("count_char(extra, 'c')") })
    }

    @Test func aNativeFunctionWithoutItsSignatureOrOfJavaSaysWhy() throws {
        let c = try Self.q14(declaring: "'nexmark_count_char' LANGUAGE C USING LIBRARY 'libcountchar.so'")
        let missing = Self.error(c) { _, _ in nil }
        #expect(missing?.message.hasPrefix("library 'libcountchar.so' exports no function with the symbol 'nexmark_count_char' (function count_char); "
            + "build the library as a streamhost plugin") == true, "\(missing.map(String.init(describing:)) ?? "planned")")
        struct NoDescriptor: Error, CustomStringConvertible { var description: String { "no streamhost descriptor" } }
        let unreadable = Self.error(c) { _, _ in throw NoDescriptor() }
        #expect(unreadable?.message.hasPrefix("cannot read the functions library 'libcountchar.so' exports (function count_char): no streamhost descriptor;") == true,
                "\(unreadable.map(String.init(describing:)) ?? "planned")")
        let noLookup = Self.error(c)
        #expect(noLookup?.kind == .unsupported)
        let java = Self.error(try Self.script("q14.sql"))
        #expect(java?.message.hasPrefix("the function count_char is declared as 'com.github.nexmark.flink.udf.CountChar'; streamhost calls native functions only") == true,
                "\(java.map(String.init(describing:)) ?? "planned")")
    }
}
