@testable import StockSyncPostgres
import Testing

@Suite("PostgreSQL parameters")
struct PostgresParameterTests {
    @Test func arrayParametersQuoteEveryElement() {
        #expect(PostgresParameter.strings(["a", "b,c", "NULL", "q\"uote", "back\\slash", "{}", ""]).text
            == #"{"a","b,c","NULL","q\"uote","back\\slash","{}",""}"#)
        #expect(PostgresParameter.strings([String]()).text == "{}")
        #expect(PostgresParameter.ints([1, -2, 3]).text == "{1,-2,3}")
        #expect(PostgresParameter.optionalInts([1, nil]).text == "{1,NULL}")
        #expect(PostgresParameter.null.text == nil)
    }
}
