import Foundation
import Testing
import TestKit

/// The `nexmark` source (Plugins/nexmark) loaded through dlopen by the
/// built binary: its events follow nexmark/nexmark's rules, are the same at
/// every parallelism and in both formats, and the fixed dataset the
/// committed Flink expectations came from is what it still writes.
@Suite("Nexmark", .serialized)
struct NexmarkTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "nexmark") }

    /// The defaults the sample runs use besides their own options.
    static let rate: Int64 = 100
    static let baseTime: Int64 = 1_436_918_400_000  // 2015-07-15T00:00:00Z

    /// Runs nexmark → file sink (the source's JSON lines); the lines, in
    /// the order written (one instance: event order).
    func events(_ count: Int, seed: Int = 42, parallelism: Int = 1, extra: String = "", name: String) throws -> [String] {
        let output = directory.file("\(name).jsonl")
        let job = try directory.write("\(name).yaml", """
            name: \(name)
            parallelism: \(parallelism)
            pipeline:
              - {id: gen, source: nexmark, config: {events: {num: \(count)}, first-event: {rate: \(Self.rate)}, seed: \(seed)\(extra)}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        let outcome = try CLI.run(["run", job, "--data-dir", directory.file("data-\(name)")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        if parallelism == 1 { return CLI.lines(output) }
        return (0..<parallelism).flatMap { CLI.lines(output + ".part-\($0)") }
    }

    static func object(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    static func int(_ value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? Int64.min }

    /// UTF-8 bytes of a string value (0 for anything else).
    static func length(_ value: Any?) -> Int { ((value as? String) ?? "").utf8.count }

    /// Flink's SQL timestamp text of ms since the epoch (UTC).
    static func timestampText(_ ms: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// The committed expectations stay valid only while the plugin writes
    /// the dataset they were computed from, byte for byte.
    @Test func theDatasetIsTheOneTheExpectedOutputsCameFrom() throws {
        let file = directory.file("nexmark-100k.jsonl")
        let outcome = try ProcessRunner.run(
            "bash", [BuildProducts.packageRoot + "/examples/nexmark/make-dataset.sh", file],
            environment: ["STREAMHOST": BuildProducts.streamhost, "STREAMHOST_PLUGIN_PATH": ""], timeoutSeconds: 600)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(file).count == 100_000)
        let committed = try NexmarkExpected.datasetSHA256()
        #expect(outcome.standardOutput.hasPrefix(committed + " "),
                "the dataset changed (\(outcome.standardOutput)); regenerate examples/nexmark/expected with run_flink_expected.sh")
    }

    /// nexmark/nexmark's rules and distributions, on 50,000 events.
    @Test func theEventsFollowTheGeneratorsRules() throws {
        let lines = try events(50_000, name: "sample")
        try #require(lines.count == 50_000)
        var kinds = [0, 0, 0]
        var nextPerson: Int64 = 1000, nextAuction: Int64 = 1000
        var hotAuctions = 0, hotBidders = 0, hotSellers = 0, hotChannels = 0, channelIDs = 0, otherChannels = 0
        var categories: [Int64: Int] = [:]
        var lowPrices = 0, prices = 0
        var bidSizes = 0, auctionSizes = 0, personSizes = 0
        let states = Set(["AZ", "CA", "ID", "OR", "WA", "WY"])
        let cities = Set(["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle",
                          "Kent", "Cheyenne"])
        let firstNames = Set(["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"])
        let lastNames = Set(["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"])
        for (n, line) in lines.enumerated() {
            let event = Self.object(line)
            let kind = Int(Self.int(event["event_type"]))
            // 1:3:46 by event number.
            let rem = n % 50
            #expect(kind == (rem < 1 ? 0 : rem < 4 ? 1 : 2), "event \(n): \(line)")
            guard (0...2).contains(kind) else { continue }
            kinds[kind] += 1
            let names = ["person", "auction", "bid"]
            for (index, name) in names.enumerated() where index != kind { #expect(event[name] is NSNull, "\(line)") }
            let record = event[names[kind]] as? [String: Any] ?? [:]
            // dateTime advances 1000 / rate ms per event.
            #expect(record["dateTime"] as? String == Self.timestampText(Self.baseTime + Int64(n) * 1000 / Self.rate), "\(line)")
            let extra = (record["extra"] as? String) ?? ""
            switch kind {
            case 0:
                #expect(Self.int(record["id"]) == nextPerson)
                nextPerson += 1
                let name = ((record["name"] as? String) ?? "").split(separator: " ").map(String.init)
                #expect(name.count == 2 && firstNames.contains(name[0]) && lastNames.contains(name[1]), "\(line)")
                #expect(states.contains(record["state"] as? String ?? ""), "\(line)")
                #expect(cities.contains(record["city"] as? String ?? ""), "\(line)")
                let card = (record["creditCard"] as? String) ?? ""
                #expect(card.count == 19 && card.split(separator: " ").allSatisfy { $0.count == 4 && $0.allSatisfy(\.isNumber) })
                #expect((record["emailAddress"] as? String)?.hasSuffix(".com") == true)
                let texts = ["name", "emailAddress", "creditCard", "city", "state"].map { Self.length(record[$0]) }
                personSizes += 8 + texts.reduce(0, +) + extra.utf8.count
            case 1:
                #expect(Self.int(record["id"]) == nextAuction)
                nextAuction += 1
                let seller = Self.int(record["seller"])
                #expect(seller >= 1000 && seller <= nextPerson - 1 + 10, "\(line)")
                if seller % 100 == 0 { hotSellers += 1 }
                categories[Self.int(record["category"]), default: 0] += 1
                let initialBid = Self.int(record["initialBid"]), reserve = Self.int(record["reserve"])
                #expect(initialBid >= 100 && reserve >= initialBid + 100, "\(line)")
                #expect((record["expires"] as? String ?? "") > (record["dateTime"] as? String ?? ""), "\(line)")
                auctionSizes += 8 + Self.length(record["itemName"]) + Self.length(record["description"]) + 40 + extra.utf8.count
            default:
                let auction = Self.int(record["auction"]), bidder = Self.int(record["bidder"])
                #expect(auction >= 1000 && auction <= nextAuction - 1 + 10, "\(line)")
                // Bidder ids carry the first person id twice (as nexmark/nexmark's do).
                #expect(bidder >= 2000 && bidder <= nextPerson - 1 + 1000 + 10, "\(line)")
                if auction % 100 == 0 { hotAuctions += 1 }
                if bidder % 100 == 1 { hotBidders += 1 }
                let price = Self.int(record["price"])
                #expect(price >= 100 && price <= 100_000_000, "\(line)")
                prices += 1
                if price < 10_000 { lowPrices += 1 }
                let channel = (record["channel"] as? String) ?? ""
                let url = (record["url"] as? String) ?? ""
                #expect(url.hasPrefix("https://www.nexmark.com/") && url.contains("/item.htm?query=1"), "\(line)")
                if ["Google", "Facebook", "Baidu", "Apple"].contains(channel) {
                    hotChannels += 1
                } else {
                    #expect(channel.hasPrefix("channel-"), "\(line)")
                    otherChannels += 1
                    if url.contains("&channel_id=") { channelIDs += 1 }
                }
                // extra pads a bid (32 bytes of numbers) to 100 on average, ±20%.
                #expect(extra.utf8.count >= 54 && extra.utf8.count < 82, "\(line)")
                bidSizes += 32 + extra.utf8.count
            }
        }
        #expect(kinds == [1000, 3000, 46000])
        func share(_ count: Int, _ of: Int) -> Double { Double(count) / Double(of) }
        // Hot auctions with probability 1/2 (bid.hot-ratio.auctions 2),
        // hot bidders 3/4, hot sellers 3/4 (plus the cold picks that land
        // on a hot id, about 1 in 100).
        #expect(share(hotAuctions, kinds[2]) > 0.49 && share(hotAuctions, kinds[2]) < 0.53, "\(hotAuctions)")
        #expect(share(hotBidders, kinds[2]) > 0.74 && share(hotBidders, kinds[2]) < 0.77, "\(hotBidders)")
        #expect(share(hotSellers, kinds[1]) > 0.72 && share(hotSellers, kinds[1]) < 0.79, "\(hotSellers)")
        #expect(categories.keys.sorted() == [10, 11, 12, 13, 14])
        #expect(categories.values.allSatisfy { share($0, kinds[1]) > 0.17 && share($0, kinds[1]) < 0.23 }, "\(categories)")
        // Prices are log-uniform over 100 .. 10^8 cents: a third below 10^4.
        #expect(share(lowPrices, prices) > 0.32 && share(lowPrices, prices) < 0.35, "\(lowPrices)")
        #expect(share(hotChannels, kinds[2]) > 0.49 && share(hotChannels, kinds[2]) < 0.51, "\(hotChannels)")
        #expect(share(channelIDs, otherChannels) > 0.88 && share(channelIDs, otherChannels) < 0.92, "\(channelIDs)")
        // The avg-size defaults (bytes as the original counts them).
        #expect(abs(share(bidSizes, kinds[2]) - 100) < 1, "\(bidSizes)")
        #expect(abs(share(auctionSizes, kinds[1]) - 500) < 5, "\(auctionSizes)")
        #expect(abs(share(personSizes, kinds[0]) - 200) < 5, "\(personSizes)")
    }

    /// Seeded: the same seed gives the same events, another seed others,
    /// and two instances together make exactly one instance's events.
    @Test func theEventsDependOnTheSeedAloneNotOnTheRunOrTheParallelism() throws {
        let first = try events(5000, name: "first")
        #expect(first.count == 5000)
        #expect(try events(5000, name: "again") == first)
        let other = try events(5000, seed: 7, name: "other")
        #expect(other.count == 5000 && other != first)
        let parallel = try events(5000, parallelism: 2, name: "parallel")
        #expect(parallel.sorted() == first.sorted())
    }

    /// The source's typed columns (nested structs, ABI 1.3) hold the same
    /// events as its JSON: a filter on nested fields over the columns gives
    /// the rows the same filter gives over the JSON read back from a file
    /// (timestamps aside: the host writes a timestamp column as ms).
    @Test func theColumnsHoldTheSameEventsAsTheJSON() throws {
        let json = try directory.write("events.jsonl", try events(20_000, name: "reference").joined(separator: "\n") + "\n")
        let filter = #"- {id: some, operator: filter, config: {where: "event_type < 2 or bid.price > 5000000"}}"#
        func run(_ source: String, _ name: String) throws -> (lines: [String], validate: String) {
            let output = directory.file("\(name).jsonl")
            let job = try directory.write("\(name).yaml", """
                name: \(name)
                pipeline:
                  \(source)
                  \(filter)
                  - {id: out, sink: file, config: {path: "\(output)"}}
                """)
            let validate = try CLI.run(["validate", job])
            #expect(validate.status == 0, "\(validate.standardError)")
            let outcome = try CLI.run(["run", job, "--data-dir", directory.file("data-\(name)")])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            return (CLI.lines(output), validate.standardOutput)
        }
        let columns = try run("- {id: gen, source: nexmark, config: {events: {num: 20000}, first-event: {rate: 100}}}", "columns")
        let bytes = try run("- {id: gen, source: file, config: {path: \"\(json)\"}}", "bytes")
        let schema = """
            step gen: out columns {event_type: int32 not null, \
            person: struct<id: int64, name: utf8, emailAddress: utf8, creditCard: utf8, city: utf8, state: utf8, \
            dateTime: timestamp, extra: utf8>, \
            auction: struct<id: int64, itemName: utf8, description: utf8, initialBid: int64, reserve: int64, \
            dateTime: timestamp, expires: timestamp, seller: int64, category: int64, extra: utf8>, \
            bid: struct<auction: int64, bidder: int64, price: int64, channel: utf8, url: utf8, dateTime: timestamp, \
            extra: utf8>}
            """
        #expect(columns.validate.contains(schema), "\(columns.validate)")
        #expect(columns.validate.contains("step some: in columns"), "\(columns.validate)")
        // 400 people, 1200 auctions and the bids above 50,000.00 (log10 of
        // the cents uniform over 2 .. 8: 1.3 / 6 of 18,400, about 4,000).
        #expect(columns.lines.count > 1600 + 3000 && columns.lines.count < 1600 + 5000, "\(columns.lines.count)")
        #expect(try ResultComparison.compare(actual: columns.lines, expected: bytes.lines) == nil)
        #expect(columns.lines.first?.contains(#""dateTime":1436918400000"#) == true, "\(columns.lines.first ?? "")")
    }

    /// The columns are the physical columns of Nexmark's generator table,
    /// in its order (read from ddl_gen.sql, outside the repository).
    @Test(.enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
    func theColumnsAreThoseOfTheGeneratorTable() throws {
        let ddl = try String(contentsOfFile: NexmarkFiles.path("ddl_gen.sql"), encoding: .utf8)
        // `name TYPE` pairs of the physical columns and their ROWs, in order.
        let sqlTypes = ["int": "int32", "BIGINT": "int64", "VARCHAR": "utf8", "TIMESTAMP(3)": "timestamp"]
        var fields: [String] = []
        let body = ddl[ddl.range(of: "(")!.upperBound..<ddl.range(of: "`dateTime` AS")!.lowerBound]
        for line in body.split(separator: "\n") {
            let words = line.replacingOccurrences(of: ",", with: " ").replacingOccurrences(of: ">", with: " ")
                .replacingOccurrences(of: "`", with: "").split(separator: " ").map(String.init)
            guard words.count >= 2 else { continue }
            if words[1].hasPrefix("ROW<") { fields.append("\(words[0]): struct<"); continue }
            fields.append("\(words[0]): \(sqlTypes[words[1]] ?? "?\(words[1])")")
        }
        let job = try directory.write("schema.yaml", """
            name: schema
            pipeline:
              - {id: gen, source: nexmark}
              - {id: out, sink: blackhole}
            """)
        let validate = try CLI.run(["validate", job])
        #expect(validate.status == 0, "\(validate.standardError)")
        // The schema as validate prints it, cut into the same pieces.
        let line = validate.standardOutput.split(separator: "\n").first { $0.contains("step gen:") }.map(String.init) ?? ""
        let printed = line.drop { $0 != "{" }.dropFirst().dropLast()
            .replacingOccurrences(of: " not null", with: "").replacingOccurrences(of: ">", with: "")
            .components(separatedBy: ", ").flatMap { piece -> [String] in
                piece.contains("struct<") ? [String(piece[..<piece.range(of: "struct<")!.upperBound]),
                                             String(piece[piece.range(of: "struct<")!.upperBound...])] : [piece]
            }
        #expect(fields.count == 1 + 3 + 8 + 10 + 7, "\(fields)")
        #expect(Array(printed) == fields, "\(line)")
    }

    @Test func badOptionsAreRefusedWithTheirNames() throws {
        func failure(_ config: String) throws -> String {
            let job = try directory.write("bad.yaml", """
                name: bad
                pipeline:
                  - {id: gen, source: nexmark, config: \(config)}
                  - {id: out, sink: blackhole}
                """)
            let outcome = try CLI.run(["run", job, "--data-dir", directory.file("data-bad")])
            #expect(outcome.status != 0)
            return outcome.standardError
        }
        let rates = try failure("{first-event: {rate: 100}, next-event: {rate: 200}, events: {num: 10}}")
        #expect(rates.contains("option 'next-event.rate' is 200 but 'first-event.rate' is 100"), "\(rates)")
        let text = try failure(#"{events: {num: "12x"}}"#)
        #expect(text.contains(#"option 'events.num' is "12x"; it must be an integer"#), "\(text)")
        let proportions = try failure("{person: {proportion: 0}, auction: {proportion: 0}, bid: {proportion: 0}}")
        #expect(proportions.contains("at least one must be positive"), "\(proportions)")
        let unknown = try failure("{events: {count: 10}}")
        #expect(unknown.contains("count"), "\(unknown)")
        // Digits in a string are what SQL's WITH clause writes: accepted.
        let job = try directory.write("digits.yaml", """
            name: digits
            pipeline:
              - {id: gen, source: nexmark, config: {events: {num: "120"}, first-event: {rate: "1000"}, next-event: {rate: "1000"}}}
              - {id: out, sink: file, config: {path: "\(directory.file("digits.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--data-dir", directory.file("data-digits")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("digits.jsonl")).count == 120)
    }
}
