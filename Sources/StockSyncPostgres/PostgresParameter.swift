#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A statement parameter in PostgreSQL's text format. Arrays let one statement carry a
/// whole batch (`unnest($1::text[], $2::bigint[])`), so batches stay set-based.
package struct PostgresParameter: Sendable {
    /// The value's bytes without a terminator; nil for NULL.
    let bytes: [UInt8]?

    var text: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    package static let null = PostgresParameter(bytes: nil)

    package static func string(_ value: String) -> PostgresParameter { PostgresParameter(bytes: Array(value.utf8)) }
    package static func int(_ value: Int) -> PostgresParameter { .string(String(value)) }

    /// A `text[]`, each element double-quoted so that commas, braces, spaces and the word
    /// NULL stay data.
    package static func strings(_ values: some Sequence<String>) -> PostgresParameter {
        array(values, appendQuoted)
    }

    /// A `text[]` in which nil is NULL.
    package static func optionalStrings(_ values: some Sequence<String?>) -> PostgresParameter {
        array(values) { value, bytes in
            if let value { appendQuoted(value, &bytes) } else { bytes.append(contentsOf: "NULL".utf8) }
        }
    }

    private static func appendQuoted(_ value: String, _ bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    package static func ints(_ values: some Sequence<Int>) -> PostgresParameter {
        array(values) { value, bytes in bytes.append(contentsOf: String(value).utf8) }
    }

    package static func optionalInts(_ values: some Sequence<Int?>) -> PostgresParameter {
        array(values) { value, bytes in bytes.append(contentsOf: (value.map { String($0) } ?? "NULL").utf8) }
    }

    /// A `float8[]` of seconds since 1970, for `to_timestamp(…)`: much cheaper to write
    /// than formatted dates.
    package static func epochSeconds(_ values: some Sequence<Date>) -> PostgresParameter {
        array(values) { value, bytes in bytes.append(contentsOf: value.timeIntervalSince1970.description.utf8) }
    }

    private static func array<S: Sequence>(_ values: S, _ append: (S.Element, inout [UInt8]) -> Void)
        -> PostgresParameter
    {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(values.underestimatedCount * 12 + 2)
        for value in values {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            append(value, &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return PostgresParameter(bytes: bytes)
    }
}
