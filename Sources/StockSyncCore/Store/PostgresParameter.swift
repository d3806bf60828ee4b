/// A statement parameter in PostgreSQL's text format. Arrays let one statement carry a
/// whole batch (`unnest($1::text[], $2::bigint[])`), so batches stay set-based.
public struct PostgresParameter: Sendable {
    let text: String?

    public static let null = PostgresParameter(text: nil)

    public static func string(_ value: String) -> PostgresParameter { PostgresParameter(text: value) }
    public static func int(_ value: Int) -> PostgresParameter { PostgresParameter(text: String(value)) }
    public static func optionalInt(_ value: Int?) -> PostgresParameter { PostgresParameter(text: value.map { String($0) }) }

    public static func strings(_ values: some Sequence<String>) -> PostgresParameter {
        arrayLiteral(values.lazy.map(quoted))
    }

    public static func ints(_ values: some Sequence<Int>) -> PostgresParameter {
        arrayLiteral(values.lazy.map { String($0) })
    }

    public static func optionalInts(_ values: some Sequence<Int?>) -> PostgresParameter {
        arrayLiteral(values.lazy.map { $0.map { String($0) } ?? "NULL" })
    }

    private static func arrayLiteral(_ elements: some Sequence<String>) -> PostgresParameter {
        var text = "{"
        var first = true
        for element in elements {
            if !first { text.append(",") }
            text.append(element)
            first = false
        }
        text.append("}")
        return PostgresParameter(text: text)
    }

    /// An array element in double quotes, so that commas, braces, spaces and the word NULL
    /// stay data.
    private static func quoted(_ value: String) -> String {
        var text = "\""
        text.reserveCapacity(value.utf8.count + 2)
        for character in value.unicodeScalars {
            if character == "\"" || character == "\\" { text.unicodeScalars.append("\\") }
            text.unicodeScalars.append(character)
        }
        text.append("\"")
        return text
    }
}
