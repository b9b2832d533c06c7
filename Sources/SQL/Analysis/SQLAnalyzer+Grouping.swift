/// The rule of grouped queries: a SELECT that groups (GROUP BY, or an
/// aggregate in its items or HAVING) may use a column outside an
/// aggregate only if it is grouped, since each group has many values of
/// any other column.
extension SQLAnalyzer {
    /// Whether `expression` calls an aggregate outside OVER (not counting
    /// subqueries, which aggregate on their own).
    func containsAggregate(_ expression: SQLExpression) -> Bool {
        if case .call(let call) = expression.kind, call.over == nil,
           SQLBuiltinFunction.table[call.name.dotted.uppercased()]?.kind == .aggregate {
            return true
        }
        return expression.children.contains { containsAggregate($0) }
    }

    /// Where a column of this SELECT's FROM comes from, as "source.column",
    /// or nil when it is a column of an enclosing query.
    func groupingKey(_ name: SQLName, _ sources: [Source]) -> String? {
        let parts = name.parts.map(\.name)
        if parts.count >= 2, let index = sources.firstIndex(where: { $0.alias == parts[0] }) {
            return "\(index)." + parts.dropFirst().joined(separator: ".")
        }
        if let index = sources.firstIndex(where: { $0.columns.contains { $0.name == parts[0] } }) {
            return "\(index)." + parts.joined(separator: ".")
        }
        return nil
    }

    func checkGrouping(_ select: SQLSelect, _ sources: [Source]) throws(SQLError) {
        let expressions = select.items.compactMap { item -> SQLExpression? in
            if case .expression(let expression, _) = item.kind { return expression }
            return nil
        } + (select.having.map { [$0] } ?? [])
        guard !select.groupBy.isEmpty || expressions.contains(where: containsAggregate) else { return }
        if let wildcard = select.items.first(where: { if case .wildcard = $0.kind { return true } else { return false } }) {
            throw fail(.invalid, wildcard.position, "* in a grouped SELECT: name the grouped columns and aggregates instead")
        }
        let groupedTexts = Set(select.groupBy.map { SQLPrinter.print($0) })
        var groupedKeys: Set<String> = []
        for item in select.groupBy {
            if case .column(let name) = item.kind, let key = groupingKey(name, sources) { groupedKeys.insert(key) }
        }
        for expression in expressions {
            try requireGrouped(expression, sources, groupedTexts, groupedKeys)
        }
    }

    private func requireGrouped(_ expression: SQLExpression, _ sources: [Source], _ groupedTexts: Set<String>,
                                _ groupedKeys: Set<String>) throws(SQLError) {
        if groupedTexts.contains(SQLPrinter.print(expression)) { return }
        switch expression.kind {
        case .column(let name):
            guard let key = groupingKey(name, sources) else { return }
            // `person.id` is grouped when `person` is.
            let prefixes = name.parts.indices.map { groupingKey(SQLName(Array(name.parts[...$0])), sources) }
            guard groupedKeys.contains(key) || prefixes.contains(where: { $0.map(groupedKeys.contains) ?? false }) else {
                throw fail(.invalid, name.position,
                           "\(name.dotted) is neither in GROUP BY nor inside an aggregate; add it to GROUP BY or aggregate it (MAX(\(name.dotted)), say)")
            }
        case .call(let call):
            let kind = SQLBuiltinFunction.table[call.name.dotted.uppercased()]?.kind
            // Aggregates see every row of the group; TUMBLE_START and the
            // like name the group's window; OVER works on rows.
            if kind == .aggregate || kind == .groupWindowProperty || call.over != nil { return }
            for child in expression.children { try requireGrouped(child, sources, groupedTexts, groupedKeys) }
        default:
            for child in expression.children { try requireGrouped(child, sources, groupedTexts, groupedKeys) }
        }
    }
}
