import Foundation
@testable import ShopifyWebhooks
import TestSupport
import Testing

/// `JSONSyntax` against Foundation's `JSONSerialization`, a full parser: the same answer on
/// every input, valid or not, except that Foundation also takes a comma before a closing
/// bracket, which RFC 8259 does not. (Foundation's `JSONDecoder`, which the gateway used,
/// checks only the structure of values it is not asked to decode: it took `{"a":01}`.)
@Suite("JSON syntax check")
struct JSONSyntaxTests {
    private func foundation(_ bytes: [UInt8]) -> Bool {
        guard (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any] else { return false }
        return String(decoding: bytes, as: UTF8.self).firstMatch(of: /,\s*[\]}]/) == nil
    }

    @Test("agrees with Foundation on chosen inputs", arguments: [
        #"{}"#, #" {"a":1} "#, #"{"a":[1,-2.5e+3,0,true,false,null,"x\u00e9\n\"\\\/"]}"#, #"{"é":"ü"}"#,
        "[1]", #""order""#, #"{"id":1"#, #"{"id":1} x"#, #"{"line_items":[{"sku":"A"]}"#, #"{"note":"\u12"}"#,
        #"{"a":{"b":[1,2}}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":-}"#, #"{"a":1e}"#, #"{"a":tru}"#,
        #"{"a":"\x"}"#, "{\"a\":\"\u{01}\"}", #"{"a":1,}"#, #"{"a":[1,]}"#, #"{,"a":1}"#, #"{"a" 1}"#, #"{1:2}"#, "", "   ",
        #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\ud83d\ude00"}"#, #"{"a":"\ud83dx"}"#,
    ])
    func chosenInputs(text: String) {
        let bytes = Array(text.utf8)
        #expect(JSONSyntax.isObject(bytes) == foundation(bytes), "\(text)")
    }

    @Test("agrees with Foundation on invalid UTF-8 and on nesting around the depth limit")
    func encodingAndDepth() {
        for bytes in [[0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], [0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D]] as [[UInt8]] {
            #expect(JSONSyntax.isObject(bytes) == foundation(bytes))
        }
        for depth in [10, JSONSyntax.maximumDepth - 1, JSONSyntax.maximumDepth, JSONSyntax.maximumDepth + 1, 2_000] {
            let bytes = Array(("{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}").utf8)
            #expect(JSONSyntax.isObject(bytes) == foundation(bytes), "depth \(depth)")
        }
    }

    @Test("agrees with Foundation on 20,000 mutations of valid documents, Shopify's order among them")
    func mutations() throws {
        let seeds = [Array(#"{"id":1,"note":"a\"b","lines":[{"sku":"A","q":2.5e1},null,true,false,[]],"x":{}}"#.utf8),
                     try Fixtures.orderExample()]
        let alphabet = Array(#"{}[]",:\/ 0123456789eE.-+tfnrulasbu"#.utf8) + [0x01, 0x09, 0x0A, 0xC3, 0xA9, 0xFF]
        var random = SeededGenerator(seed: 42)
        var disagreements: [String] = []
        for round in 0..<20_000 {
            var bytes = seeds[round % 50 == 0 ? 1 : 0]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<max(bytes.count, 1), using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0 where !bytes.isEmpty: bytes.remove(at: at)
                case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: at)
                default: if !bytes.isEmpty { bytes[at] = alphabet.randomElement(using: &random)! }
                }
            }
            if JSONSyntax.isObject(bytes) != foundation(bytes), disagreements.count < 5 {
                disagreements.append(String(decoding: bytes.prefix(200), as: UTF8.self))
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
    }
}
