import Foundation
import StockSyncDomain
import TestSupport
import Testing

@Suite("Flat JSON object reader")
struct FlatJSONObjectTests {
    static func parse(_ text: String) throws(FlatJSONObject.ParseError) -> FlatJSONObject {
        try FlatJSONObject(parsing: Array(text.utf8))
    }

    @Test func readsEveryKindOfValue() throws {
        let object = try Self.parse(#" { "s":"a\"b\\c\/\n\u00e9\ud83d\ude00", "i":-42, "z":0, "f":1.5, "e":1e3, "w":2.0,"#
            + #" "big":9223372036854775808, "min":-9223372036854775808, "t":true, "n":null, "o":{"x":[1,{"y":[]}]}, "a":[] } "#)
        #expect(object["s"] == .string("a\"b\\c/\né😀"))
        #expect(object["i"] == .integer(-42))
        #expect(object["z"] == .integer(0))
        #expect(object["f"] == .nonInteger)
        #expect(object["e"] == .nonInteger)
        #expect(object["w"] == .integer(2))
        #expect(object["big"] == .nonInteger)
        #expect(object["min"] == .integer(Int.min))
        #expect(object["t"] == .bool(true))
        #expect(object["n"] == .null)
        #expect(object["o"] == .nested)
        #expect(object["a"] == .nested)
        #expect(object["missing"] == nil)
    }

    @Test(arguments: [
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}", "{'a':1}", "{a:1}",
        "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":nul}",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"tab\there\"}",
        "{\"a\":\"open}", "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":{\"b\"}}", "{\"a\":1}x", "{\"a\":1}{}",
        "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}",
    ])
    func refusesInvalidJSON(text: String) {
        #expect(throws: FlatJSONObject.ParseError.invalidJSON) { try Self.parse(text) }
    }

    @Test(arguments: ["[]", "[1,2]", "\"text\"", "42", "true", "null", " [ {} ] "])
    func refusesJSONThatIsNotAnObject(text: String) {
        #expect(throws: FlatJSONObject.ParseError.notAnObject) { try Self.parse(text) }
    }

    @Test func refusesDuplicateKeys() {
        #expect(throws: FlatJSONObject.ParseError.duplicateKey("a")) { try Self.parse(#"{"a":1,"b":2,"a":3}"#) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: FlatJSONObject.ParseError.invalidJSON) {
            try FlatJSONObject(parsing: Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))
        }
    }

    @Test func readsAnEmptyObject() throws {
        #expect(try Self.parse(" {} ").members.isEmpty)
    }

    /// Differential test: on generated objects and on random mutations of them, the reader
    /// accepts exactly what Foundation's parser accepts as an object, with the same values.
    @Test(arguments: 0..<20)
    func agreesWithFoundation(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<250 {
            var bytes = Array(Self.randomObject(&random).utf8)
            for _ in 0..<Int.random(in: 0...3, using: &random) where !bytes.isEmpty {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(Array(#"{}[]",:\-.0e1tn "#.utf8).randomElement(using: &random)!, at: position)
                default: bytes[position] = Array(#"{}[]",:\-.0e9u "#.utf8).randomElement(using: &random)!
                }
            }
            let ours: Result<FlatJSONObject, FlatJSONObject.ParseError> = Result { () throws(FlatJSONObject.ParseError) in
                try FlatJSONObject(parsing: bytes)
            }
            let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            let text = String(decoding: bytes, as: UTF8.self)
            switch (ours, theirs) {
            case (.failure(.duplicateKey), _):
                continue  // Foundation keeps the last; this reader refuses the ambiguity.
            case (.success(let object), let dictionary as [String: Any]):
                #expect(object.members.count == dictionary.count, "\(text)")
                for (key, value) in dictionary {
                    #expect(Self.matches(object[key], value), "\(key) in \(text)")
                }
            case (.failure(.notAnObject), let other?):
                #expect(!(other is [String: Any]), "\(text)")
            case (.failure(.invalidJSON), nil):
                break
            case (.failure(.invalidJSON), _?) where text.contains(/,\s*[\]}]/):
                continue  // Foundation accepts trailing commas, which RFC 8259 does not.
            case (.success(let object), nil) where object.members.values.contains(.nonInteger):
                continue  // Foundation refuses numbers beyond Double's range; RFC 8259 allows them.
            default:
                Issue.record("disagreement on \(text): ours \(ours), Foundation \(String(describing: theirs))")
            }
        }
    }

    static func matches(_ ours: FlatJSONObject.Value?, _ theirs: Any) -> Bool {
        switch ours {
        case .string(let string)?: return (theirs as? String) == string
        case .integer(let integer)?:
            guard let number = theirs as? NSNumber else { return false }
            return number.int64Value == Int64(integer) && number.doubleValue == Double(integer)
        case .nonInteger?: return theirs is NSNumber
        case .bool(let bool)?: return (theirs as? Bool) == bool
        case .null?: return theirs is NSNull
        case .nested?: return theirs is [Any] || theirs is [String: Any]
        case nil: return false
        }
    }

    static func randomObject(_ random: inout SeededGenerator) -> String {
        let members = (0..<Int.random(in: 0...5, using: &random)).map { index in
            "\"k\(index)\(randomString(&random).dropFirst().dropLast())\":\(randomValue(&random, depth: 0))"
        }
        return "{" + members.joined(separator: Bool.random(using: &random) ? "," : " , ") + "}"
    }

    static func randomValue(_ random: inout SeededGenerator, depth: Int) -> String {
        switch Int.random(in: 0..<(depth < 2 ? 9 : 7), using: &random) {
        case 0, 1: return randomString(&random)
        case 2: return String(Int.random(in: -1_000_000...1_000_000, using: &random))
        case 3: return ["0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.25",
                        "-3e2", "2.0", "1E+2"].randomElement(using: &random)!
        case 4: return Bool.random(using: &random) ? "true" : "false"
        case 5: return "null"
        case 6: return randomString(&random)
        case 7: return "[" + (0..<Int.random(in: 0...3, using: &random)).map { _ in randomValue(&random, depth: depth + 1) }
            .joined(separator: ",") + "]"
        default: return "{\"x\":" + randomValue(&random, depth: depth + 1) + "}"
        }
    }

    static func randomString(_ random: inout SeededGenerator) -> String {
        let pieces = ["a", "Z", "é", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\ud83d\\ude00", " ", "SKU-1"]
        return "\"" + (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }
            .joined() + "\""
    }
}
