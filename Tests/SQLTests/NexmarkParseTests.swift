import SQL
import Testing
import TestKit

/// Every Nexmark file parses, and the trees of q0, q5, q7 and the
/// generator's DDL have the structure and positions their text has.
@Suite(.enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
struct NexmarkParseTests {
    static func parse(_ file: String) throws -> SQLScript {
        try SQLParser.parse(NexmarkFiles.text(file), file: file)
    }

    @Test func everyFileParses() throws {
        // q0-q23, the generator's DDL (two versions), the Kafka DDL and insert, the views.
        #expect(NexmarkFiles.files.count >= 29)
        for file in NexmarkFiles.files {
            #expect(throws: Never.self, "\(file)") { _ = try Self.parse(file) }
        }
    }

    /// Every position points at the start of a token: the line and column
    /// agree with the byte offset, and the character there is not space.
    @Test func everyNodePositionIsAtItsText() throws {
        for file in NexmarkFiles.files {
            let text = try NexmarkFiles.text(file)
            let bytes = Array(text.utf8)
            var lineStarts = [0]
            for (offset, byte) in bytes.enumerated() where byte == 0x0A { lineStarts.append(offset + 1) }
            let found = positions(try Self.parse(file))
            #expect(found.count > 10, "\(file)")
            for (path, position) in found {
                let lineStart = lineStarts[position.line - 1]
                let column = String(decoding: bytes[lineStart..<position.offset], as: UTF8.self).unicodeScalars.count + 1
                #expect(column == position.column, "\(file) \(path)")
                #expect(![0x20, 0x0A, 0x09, 0x0D].contains(bytes[position.offset]), "\(file) \(path) at \(position)")
            }
        }
    }

    @Test func q0IsATableAndAnInsertOfFiveColumns() throws {
        let script = try Self.parse("q0.sql")
        #expect(script.statements.count == 2)
        let table = try script.statements[0].createTable()
        #expect(script.statements[0].position.description == at(9, 1))
        #expect(table.name.dotted == "nexmark_q0")
        #expect(table.name.position.description == at(9, 14))
        #expect(table.columns.map(\.name.name) == ["auction", "bidder", "price", "dateTime", "extra"])
        #expect(table.columns.map(\.name.quoted) == [false, false, false, true, false])
        let types = table.columns.map { column -> SQLDataType.Kind? in
            if case .physical(let type) = column.kind { return type.kind }
            return nil
        }
        #expect(types == [.bigint, .bigint, .bigint, .timestamp(precision: 3), .varchar(length: nil)])
        #expect(table.columns[2].name.position.description == at(12, 3))
        #expect(table.options.map { [$0.key.value, $0.value.value] } == [["connector", "blackhole"]])
        #expect(table.options[0].key.position.description == at(16, 3))
        #expect(table.options[0].value.position.description == at(16, 17))
        #expect(table.watermark == nil && table.primaryKey == nil)

        let insert = try script.statements[1].insert()
        #expect(insert.target.dotted == "nexmark_q0")
        #expect(insert.target.position.description == at(19, 13))
        let select = try insert.query.selectBody()
        #expect(select.position.description == at(20, 1))
        let items = try select.expressions()
        #expect(try items.map { try $0.0.columnName() } == ["auction", "bidder", "price", "dateTime", "extra"])
        #expect(items.map(\.0.position.description) == [at(20, 8), at(20, 17), at(20, 25), at(20, 32), at(20, 44)])
        #expect(items.allSatisfy { $0.1 == nil })
        let from = try #require(select.from)
        #expect(try from.table().name.dotted == "bid")
        #expect(from.position.description == at(20, 55))
        #expect(select.whereClause == nil && select.groupBy.isEmpty)
    }

    @Test func q5JoinsTwoHoppingWindowSubqueries() throws {
        let script = try Self.parse("q5.sql")
        let select = try script.statements[1].insert().query.selectBody()
        let join = try #require(select.from).join()
        #expect(join.kind == .inner)
        let (auctionBids, auctionBidsAlias) = try join.left.subquery()
        #expect(auctionBidsAlias?.name.name == "AuctionBids")
        #expect(join.left.position.description == at(22, 7))
        let (maxBids, maxBidsAlias) = try join.right.subquery()
        #expect(maxBidsAlias?.name.name == "MaxBids")

        // TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
        let inner = try auctionBids.selectBody()
        let hop = try #require(inner.from).tableFunction()
        #expect(hop.name.dotted == "HOP")
        #expect(hop.name.position.description == at(29, 14))
        #expect(hop.arguments.count == 4)
        guard case .tableArgument(let table, let partitionBy) = hop.arguments[0].kind,
              case .descriptor(let columns) = hop.arguments[1].kind else {
            throw expectedNode("TABLE bid, DESCRIPTOR(`dateTime`)", hop.arguments)
        }
        #expect(table.dotted == "bid" && partitionBy.isEmpty)
        #expect(columns.map(\.name) == ["dateTime"] && columns[0].quoted)
        #expect(try hop.arguments[2].interval() == SQLInterval(text: "2", start: .second))
        #expect(try hop.arguments[3].interval() == SQLInterval(text: "10", start: .second))
        #expect(try inner.groupBy.map { try $0.columnName() } == ["auction", "window_start", "window_end"])
        let count = try inner.expressions()[1]
        #expect(try count.0.call().star && count.1?.name == "num")

        // MAX(CountBids.num) over a subquery of the same window.
        let outer = try maxBids.selectBody()
        let maximum = try outer.expressions()[0].0.call()
        #expect(maximum.name.dotted == "max")
        #expect(try maximum.arguments.map { try $0.columnName() } == ["CountBids.num"])
        #expect(try #require(outer.from).subquery().alias?.name.name == "CountBids")

        // ON a AND b AND c: a left-deep chain of ANDs.
        guard case .on(let condition) = join.condition else { throw expectedNode("ON", join) }
        let top = try condition.binary()
        #expect(top.op == .and)
        #expect(try top.right.binary().op == .greaterOrEqual)
        #expect(try top.left.binary().op == .and)
        #expect(condition.position.description == at(48, 5))
    }

    @Test func q7IsAnIntervalJoinOnATumblingWindow() throws {
        let script = try Self.parse("q7.sql")
        let select = try script.statements[1].insert().query.selectBody()
        #expect(try select.expressions().map { try $0.0.columnName() } == ["B.auction", "B.price", "B.bidder", "B.dateTime", "B.extra"])
        let join = try #require(select.from).join()
        #expect(join.kind == .inner)
        let bid = try join.left.table()
        #expect(bid.name.dotted == "bid" && bid.alias?.name.name == "B")
        #expect(bid.alias?.name.position.description == at(24, 10))
        let (windowed, alias) = try join.right.subquery()
        #expect(alias?.name.name == "B1")
        let tumble = try #require(try windowed.selectBody().from).tableFunction()
        #expect(tumble.name.dotted == "TUMBLE")
        #expect(tumble.name.position.description == at(28, 11))
        #expect(try tumble.arguments[2].interval() == SQLInterval(text: "10", start: .second))
        let projections = try windowed.selectBody().expressions()
        #expect(projections[1].1?.name == "dateTime" && projections[1].1?.quoted == true)

        // WHERE B.`dateTime` BETWEEN B1.`dateTime` - INTERVAL '10' SECOND AND B1.`dateTime`
        let condition = try #require(select.whereClause)
        guard case .between(let value, let low, let high, let negated) = condition.kind else {
            throw expectedNode("BETWEEN", condition)
        }
        #expect(!negated)
        #expect(condition.position.description == at(32, 7))
        #expect(try value.columnName() == "B.dateTime")
        let lowBound = try low.binary()
        #expect(lowBound.op == .minus)
        #expect(try lowBound.left.columnName() == "B1.dateTime")
        #expect(try lowBound.right.interval() == SQLInterval(text: "10", start: .second))
        #expect(lowBound.right.position.description == at(32, 45))
        #expect(try high.columnName() == "B1.dateTime")
    }

    @Test func theGeneratorTableHasNestedRowsAComputedTimeAndAWatermark() throws {
        let script = try Self.parse("ddl_gen.sql")
        #expect(script.statements.count == 1)
        let table = try script.statements[0].createTable()
        #expect(table.name.dotted == "datagen")
        #expect(table.columns.map(\.name.name) == ["event_type", "person", "auction", "bid", "dateTime"])
        guard case .physical(let person) = table.columns[1].kind, case .row(let fields) = person.kind else {
            throw expectedNode("person ROW<...>", table.columns[1])
        }
        #expect(person.position.description == at(4, 12))
        #expect(fields.map(\.name.name) == ["id", "name", "emailAddress", "creditCard", "city", "state", "dateTime", "extra"])
        #expect(fields.map(\.type.kind) == [
            .bigint, .varchar(length: nil), .varchar(length: nil), .varchar(length: nil), .varchar(length: nil),
            .varchar(length: nil), .timestamp(precision: 3), .varchar(length: nil),
        ])
        guard case .computed(let dateTime) = table.columns[4].kind,
              case .caseWhen(nil, let whens, let otherwise?) = dateTime.kind else {
            throw expectedNode("`dateTime` AS CASE ...", table.columns[4])
        }
        #expect(whens.count == 2)
        #expect(try whens[0].result.columnName() == "person.dateTime")
        #expect(try otherwise.columnName() == "bid.dateTime")

        let watermark = try #require(table.watermark)
        #expect(watermark.column.dotted == "dateTime")
        #expect(watermark.position.description == at(38, 5))
        let delay = try watermark.expression.binary()
        #expect(delay.op == .minus)
        #expect(try delay.right.interval() == SQLInterval(text: "4", start: .second))
        #expect(table.options.map(\.key.value) == [
            "connector", "first-event.rate", "next-event.rate", "events.num", "person.proportion", "auction.proportion",
            "bid.proportion",
        ])
        #expect(table.options[1].value.value == "10000000")
    }
}
