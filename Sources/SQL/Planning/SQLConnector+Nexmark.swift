/// The `nexmark` connector: Nexmark's generator table (`ddl_gen.sql`) read
/// from the first-party `nexmark` source plugin, with the options of
/// nexmark/nexmark's Flink connector.
///
/// The plugin makes nexmark/nexmark's events, seeded (Plugins/nexmark/nexmark.c
/// says where it departs from the original), and stamps each record with
/// its event's `dateTime`. That is the value of the generator table's
/// computed column `dateTime` (`CASE WHEN event_type = 0 THEN
/// person.dateTime WHEN event_type = 1 THEN auction.dateTime ELSE
/// bid.dateTime END`), so a watermark on that column is one on the
/// records' own time, and windows and joins on it plan as on a watermark
/// column the source reads.
extension SQLConnector {
    /// The options the plugin takes (its config is the same names, a dotted
    /// name being a nested object).
    static let nexmarkOptions = [
        "connector", "events.num", "first-event.rate", "next-event.rate", "person.proportion", "auction.proportion",
        "bid.proportion", "person.avg-size", "auction.avg-size", "bid.avg-size", "auction.hot-ratio.sellers",
        "bid.hot-ratio.auctions", "bid.hot-ratio.bidders", "seed", "base-time",
    ]

    /// The generator table's physical columns (ddl_gen.sql).
    static let nexmarkColumns = ["event_type", "person", "auction", "bid"]

    /// The generator table's computed event time, whose value is the
    /// record's timestamp.
    static let nexmarkEventTime = """
        CASE WHEN event_type = 0 THEN person.`dateTime` WHEN event_type = 1 THEN auction.`dateTime` ELSE bid.`dateTime` END
        """

    /// Whether `expression` is `nexmarkEventTime` (as printed, so spacing,
    /// case of keywords and quoting do not matter).
    static func isNexmarkEventTime(_ expression: SQLExpression) -> Bool {
        guard let canonical = try? SQLParser.parseExpression(nexmarkEventTime, file: "nexmark") else {
            preconditionFailure("nexmarkEventTime does not parse")
        }
        return SQLPrinter.print(expression) == SQLPrinter.print(canonical)
    }

    /// The `nexmark` source step (the planner checks the watermark: it must
    /// be on the event time, `isNexmarkEventTime`).
    func nexmarkSource() throws(SQLError) -> Source {
        for column in relation.columns where column.origin == .physical && !Self.nexmarkColumns.contains(column.name) {
            throw SQLError(.connector, file: file, at: column.position,
                           "the nexmark connector makes Nexmark's generator table (event_type, person, auction, bid); "
                               + "table \(relation.name) has a column \(column.name) it cannot fill")
        }
        // Dotted options become nested objects, as the plugin's config has them.
        var config: [(String, SQLJobValue)] = []
        for option in options where option.key.value != "connector" {
            let text = option.value.value
            let value: SQLJobValue
            if option.key.value == "base-time" {
                value = Int64(text).map(SQLJobValue.integer) ?? .string(text)
            } else {
                guard let number = Int64(text), number >= 0 else { throw refuse(option, "a whole number >= 0") }
                value = .integer(number)
            }
            Self.insert(value, at: option.key.value.split(separator: ".").map(String.init), into: &config)
        }
        return Source(component: "nexmark", config: config)
    }

    /// Puts `value` at the nested `path` of an object's members.
    static func insert(_ value: SQLJobValue, at path: [String], into members: inout [(String, SQLJobValue)]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.append((first, value))
            return
        }
        var inner: [(String, SQLJobValue)] = []
        if let index = members.firstIndex(where: { $0.0 == first }), case .object(let existing) = members[index].1 {
            inner = existing
            members.remove(at: index)
        }
        insert(value, at: Array(path.dropFirst()), into: &inner)
        members.append((first, .object(inner)))
    }
}
