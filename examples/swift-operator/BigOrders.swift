import StreamhostKit

/// OPERATOR "big-orders-swift": keeps the orders whose top-level numeric
/// "amount" is at least `min_amount` and drops the others.
///
/// The Swift twin of examples/c-operator/big_orders.c, written with
/// StreamhostKit. A record it cannot judge goes to the job's dead-letter
/// destination with a reason and the job goes on: "field 'amount' is
/// missing", "field 'amount' is not a number", "the value is not a JSON
/// object", "the value is not valid JSON" or "the value is null". Dropped
/// orders are counted in the instance's "dropped" counter.
///
/// # Thread safety
/// The host calls one instance from one thread at a time; instances share
/// nothing.
///
/// # Ownership
/// Kept records are forwarded unchanged; the host copies them.
final class BigOrders: Operator {
    static let name = "big-orders-swift"
    static let description = "Keeps orders whose amount is at least min_amount"
    static let configSchema: String? = """
        {"type":"object","properties":{"min_amount":{"type":"number","default":100,\
        "description":"Orders whose amount is at least this pass; the others are dropped."}},\
        "additionalProperties":false}
        """

    let minAmount: Double
    let dropped: Counter

    init(context: Context, config: Config) throws {
        minAmount = try config.double("min_amount", default: 100)
        dropped = try context.counter(named: "dropped")
    }

    func process(_ batch: Batch, context: Context) throws {
        var droppedCount: Int64 = 0
        // Report what was dropped even if an emit fails half-way.
        defer { if droppedCount > 0 { dropped.add(droppedCount) } }
        for record in batch {
            guard let value = record.value else {
                try context.reject(record, reason: "the value is null")
                continue
            }
            let order: JSONView
            do {
                order = try JSONView(parsing: value)
            } catch {
                try context.reject(record, reason: "the value is not valid JSON")
                continue
            }
            guard order.kind == .object else {
                try context.reject(record, reason: "the value is not a JSON object")
                continue
            }
            guard let amountField = order.member("amount") else {
                try context.reject(record, reason: "field 'amount' is missing")
                continue
            }
            guard let amount = amountField.doubleValue else {
                try context.reject(record, reason: "field 'amount' is not a number")
                continue
            }
            if amount >= minAmount {
                try context.emit(record)
            } else {
                droppedCount += 1
            }
        }
    }
}
