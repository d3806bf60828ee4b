import CLibPQ

/// The rows of one result; values in PostgreSQL's text format, read by type:
/// `let (sku, available) = try rows.decode(row, as: (String, Int).self)`.
package final class PostgresRows {
    private let result: OpaquePointer
    package let count: Int
    private let columnCount: Int

    init(_ result: OpaquePointer) {
        self.result = result
        self.count = Int(PQntuples(result))
        self.columnCount = Int(PQnfields(result))
    }

    deinit {
        PQclear(result)
    }

    /// The columns of `row` as the given types, in order. Throws, naming the column, when
    /// the result has another number of columns, a column's type is not one its Swift type
    /// reads, or a column is NULL where the type is not optional.
    package func decode<each Column: PostgresDecodable>(_ row: Int, as _: (repeat each Column).Type)
        throws(PostgresError) -> (repeat each Column)
    {
        var expected = 0
        for _ in repeat (each Column).self { expected += 1 }
        guard expected == columnCount else {
            throw .columnCountMismatch(expected: expected, actual: columnCount)
        }
        var column = 0
        func next<Value: PostgresDecodable>(_: Value.Type) throws(PostgresError) -> Value {
            defer { column += 1 }
            return try value(row, column, as: Value.self)
        }
        return (repeat try next((each Column).self))
    }

    /// The single column of `row` as `Value`. (A one-column read through the tuple form
    /// loses an Optional's optionality in expressions.)
    package func decode<Value: PostgresDecodable>(_ row: Int, as _: Value.Type) throws(PostgresError) -> Value {
        guard columnCount == 1 else { throw .columnCountMismatch(expected: 1, actual: columnCount) }
        return try value(row, 0, as: Value.self)
    }

    /// Every row decoded as the given types (`decode(_:as:)`).
    package func decodeAll<each Column: PostgresDecodable>(as types: (repeat each Column).Type)
        throws(PostgresError) -> [(repeat each Column)]
    {
        var rows: [(repeat each Column)] = []
        rows.reserveCapacity(count)
        for row in 0..<count { rows.append(try decode(row, as: types)) }
        return rows
    }

    private func value<Value: PostgresDecodable>(_ row: Int, _ column: Int, as _: Value.Type) throws(PostgresError) -> Value {
        if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
            guard let null = Value.null else { throw .unexpectedNull(column: name(of: column), swiftType: "\(Value.self)") }
            return null
        }
        let type = PQftype(result, Int32(column))
        guard let text = PQgetvalue(result, Int32(row), Int32(column)), let value = Value.decode(text: text, type: type)
        else {
            throw .typeMismatch(column: name(of: column), swiftType: "\(Value.self)", postgresType: type)
        }
        return value
    }

    private func name(of column: Int) -> String {
        PQfname(result, Int32(column)).map { String(cString: $0) } ?? "#\(column + 1)"
    }
}
