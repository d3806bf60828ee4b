/// A Swift type that a column's value, in PostgreSQL's text format, decodes to.
package protocol PostgresDecodable {
    /// The value of non-NULL `text` in a column of type `type` (an OID of `pg_type`), or
    /// nil when this type does not read that column type or the text is not one of its values.
    static func decode(text: UnsafePointer<CChar>, type: UInt32) -> Self?
    /// What NULL decodes to; nil where NULL is not a value of the type.
    static var null: Self? { get }
}

extension PostgresDecodable {
    package static var null: Self? { nil }
}

/// OIDs of the built-in types stocksync's queries return (`pg_type.dat`).
enum PostgresType {
    static let bool: UInt32 = 16
    static let name: UInt32 = 19
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let json: UInt32 = 114
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let unknown: UInt32 = 705
    static let bpchar: UInt32 = 1042
    static let varchar: UInt32 = 1043
    static let numeric: UInt32 = 1700
    static let jsonb: UInt32 = 3802

    static let integers: Set<UInt32> = [int2, int4, int8]
    static let texts: Set<UInt32> = [text, varchar, bpchar, name, unknown, json, jsonb]
}

extension String: PostgresDecodable {
    package static func decode(text: UnsafePointer<CChar>, type: UInt32) -> String? {
        PostgresType.texts.contains(type) ? String(cString: text) : nil
    }
}

extension Int: PostgresDecodable {
    /// Parsed in place: this runs for every quantity of every batch. A `numeric` reads as
    /// long as it is a whole number (`sum` of integers is one).
    package static func decode(text: UnsafePointer<CChar>, type: UInt32) -> Int? {
        guard PostgresType.integers.contains(type) || type == PostgresType.numeric else { return nil }
        var pointer = text
        let negative = pointer.pointee == CChar(UInt8(ascii: "-"))
        if negative { pointer += 1 }
        guard pointer.pointee != 0 else { return nil }
        var value = 0
        while pointer.pointee != 0 {
            let digit = Int(pointer.pointee) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit) else { return nil }
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowedAgain) = shifted.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            value = sum
            pointer += 1
        }
        return negative ? -value : value
    }
}

extension Double: PostgresDecodable {
    package static func decode(text: UnsafePointer<CChar>, type: UInt32) -> Double? {
        guard type == PostgresType.float8 || type == PostgresType.float4 || type == PostgresType.numeric
            || PostgresType.integers.contains(type)
        else { return nil }
        return Double(String(cString: text))
    }
}

extension Bool: PostgresDecodable {
    package static func decode(text: UnsafePointer<CChar>, type: UInt32) -> Bool? {
        guard type == PostgresType.bool else { return nil }
        switch text.pointee {
        case CChar(UInt8(ascii: "t")): return true
        case CChar(UInt8(ascii: "f")): return false
        default: return nil
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    package static func decode(text: UnsafePointer<CChar>, type: UInt32) -> Wrapped?? {
        Wrapped.decode(text: text, type: type).map { .some($0) }
    }

    package static var null: Wrapped?? { .some(nil) }
}
