import SQL

/// A syntax tree's shape: every stored field of every node, positions left
/// out, as text; two trees with the same shape are the same tree written
/// at other places. Reflection walks every field, so a field added to a
/// node later is compared without anyone remembering to add it here.
func shape(_ value: Any) -> String {
    if value is SQLPosition { return "_" }
    let mirror = Mirror(reflecting: value)
    switch mirror.displayStyle {
    case .optional:
        return mirror.children.first.map { shape($0.value) } ?? "nil"
    case .collection:
        return "[" + mirror.children.map { shape($0.value) }.joined(separator: ", ") + "]"
    case .struct, .tuple, .class:
        return "(" + mirror.children.map { ($0.label.map { $0 + ": " } ?? "") + shape($0.value) }.joined(separator: ", ") + ")"
    case .enum:
        guard let payload = mirror.children.first else { return ".\(value)" }
        return "." + (payload.label ?? "?") + shape(payload.value)
    default:
        return String(reflecting: value)
    }
}

/// Every position in a syntax tree, with the path of fields to it.
func positions(_ value: Any, path: String = "") -> [(path: String, position: SQLPosition)] {
    if let position = value as? SQLPosition { return [(path, position)] }
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .enum, let payload = mirror.children.first {
        return positions(payload.value, path: path + "." + (payload.label ?? "?"))
    }
    return mirror.children.enumerated().flatMap { index, child in
        positions(child.value, path: path + "." + (child.label ?? String(index)))
    }
}
