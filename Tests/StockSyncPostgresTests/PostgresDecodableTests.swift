@testable import StockSyncPostgres
import Testing

@Suite("Column values by type")
struct PostgresDecodableTests {
    private func int(_ text: String, type: UInt32 = PostgresType.int8) -> Int? {
        text.withCString { Int.decode(text: $0, type: type) }
    }

    @Test("integers read whole, signed, and only from integer (or whole numeric) columns")
    func integers() {
        #expect(int("0") == 0 && int("42") == 42 && int("-7") == -7)
        #expect(int("9223372036854775807") == Int.max)
        #expect(int("9223372036854775808") == nil)
        #expect(int("") == nil && int("-") == nil && int("1.5", type: PostgresType.numeric) == nil)
        #expect(int("12", type: PostgresType.numeric) == 12)
        #expect(int("12", type: PostgresType.text) == nil)
    }

    @Test("text, booleans and doubles read only from their own kinds of column")
    func otherTypes() {
        #expect("a b".withCString { String.decode(text: $0, type: PostgresType.varchar) } == "a b")
        #expect("1".withCString { String.decode(text: $0, type: PostgresType.int4) } == nil)
        #expect("t".withCString { Bool.decode(text: $0, type: PostgresType.bool) } == true)
        #expect("f".withCString { Bool.decode(text: $0, type: PostgresType.bool) } == false)
        #expect("t".withCString { Bool.decode(text: $0, type: PostgresType.text) } == nil)
        #expect("2.5".withCString { Double.decode(text: $0, type: PostgresType.float8) } == 2.5)
        #expect("x".withCString { Double.decode(text: $0, type: PostgresType.float8) } == nil)
    }

    @Test("NULL is a value only of optional types")
    func nulls() {
        #expect(Int.null == nil)
        #expect(Int?.null == .some(nil))
    }
}
