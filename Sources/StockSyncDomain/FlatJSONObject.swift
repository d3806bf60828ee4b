/// A strict reader of one flat JSON object (RFC 8259): the shape of every message
/// contract here. It reads each member's value as a string, an integer, a boolean or
/// null, and notes other kinds (fractions, nested objects) without decoding them.
/// `JSONDecoder` is several times slower on this hot path; the tests compare this reader
/// with Foundation's parser on generated and mutated input.
package struct FlatJSONObject: Sendable {
    package enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int)
        /// A number with a fraction or an exponent, or beyond 64 bits.
        case nonInteger
        case bool(Bool)
        case null
        /// An object or an array.
        case nested
    }

    package enum ParseError: Error, Equatable, Sendable {
        case invalidJSON
        case notAnObject
        case duplicateKey(String)
    }

    package private(set) var members: [String: Value] = [:]

    package subscript(key: String) -> Value? { members[key] }

    package init(parsing bytes: some Collection<UInt8>) throws(ParseError) {
        let parsed: Result<[String: Value], ParseError> = bytes.withContiguousStorageIfAvailable { buffer in
            var reader = Reader(bytes: buffer)
            return Result { () throws(ParseError) in try reader.object() }
        } ?? {
            let copy = Array(bytes)
            return copy.withUnsafeBufferPointer { buffer in
                var reader = Reader(bytes: buffer)
                return Result { () throws(ParseError) in try reader.object() }
            }
        }()
        members = try parsed.get()
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        static let maximumDepth = 64

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func object() throws(ParseError) -> [String: Value] {
            skipWhitespace()
            guard let first = peek() else { throw .invalidJSON }
            guard first == UInt8(ascii: "{") else {
                // Any other valid JSON text is not an object; anything else is not JSON.
                try skipValue(depth: 0)
                skipWhitespace()
                throw index == bytes.count ? .notAnObject : .invalidJSON
            }
            index += 1
            var members: [String: Value] = [:]
            members.reserveCapacity(16)  // a message's members, without growing the table on the way
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipWhitespace()
                    guard peek() == UInt8(ascii: "\"") else { throw .invalidJSON }
                    let key = try string()
                    skipWhitespace()
                    guard next() == UInt8(ascii: ":") else { throw .invalidJSON }
                    skipWhitespace()
                    let value = try value()
                    guard members.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key) }
                    skipWhitespace()
                    switch next() {
                    case UInt8(ascii: ","): continue
                    case UInt8(ascii: "}"): break
                    default: throw .invalidJSON
                    }
                    break
                }
            }
            skipWhitespace()
            guard index == bytes.count else { throw .invalidJSON }
            return members
        }

        private mutating func value() throws(ParseError) -> Value {
            switch peek() {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                try skipValue(depth: 0)
                return .nested
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        private mutating func skipValue(depth: Int) throws(ParseError) {
            guard depth < Self.maximumDepth else { throw .invalidJSON }
            switch peek() {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = peek() == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isObject = close == UInt8(ascii: "}")
                index += 1
                skipWhitespace()
                if peek() == close {
                    index += 1
                    return
                }
                while true {
                    skipWhitespace()
                    if isObject {
                        guard peek() == UInt8(ascii: "\"") else { throw .invalidJSON }
                        _ = try string()
                        skipWhitespace()
                        guard next() == UInt8(ascii: ":") else { throw .invalidJSON }
                        skipWhitespace()
                    }
                    try skipValue(depth: depth + 1)
                    skipWhitespace()
                    let separator = next()
                    if separator == close { return }
                    guard separator == UInt8(ascii: ",") else { throw .invalidJSON }
                }
            default:
                _ = try value()
            }
        }

        private mutating func literal(_ word: StaticString) throws(ParseError) {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { throw .invalidJSON }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
                throw .invalidJSON
            }
            index += count
        }

        /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        private mutating func number() throws(ParseError) -> Value {
            let negative = peek() == UInt8(ascii: "-")
            if negative { index += 1 }
            guard let first = peek(), isDigit(first) else { throw .invalidJSON }
            var magnitude: UInt64 = 0
            var overflow = false
            if first == UInt8(ascii: "0") {
                index += 1
            } else {
                while let digit = peek(), isDigit(digit) {
                    let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (plus, o2) = times.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
                    overflow = overflow || o1 || o2
                    magnitude = plus
                    index += 1
                }
            }
            var integral = true
            if peek() == UInt8(ascii: ".") {
                index += 1
                guard let digit = peek(), isDigit(digit) else { throw .invalidJSON }
                while let digit = peek(), isDigit(digit) {
                    if digit != UInt8(ascii: "0") { integral = false }
                    index += 1
                }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                index += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
                guard let digit = peek(), isDigit(digit) else { throw .invalidJSON }
                while let digit = peek(), isDigit(digit) { index += 1 }
                integral = false
            }
            guard integral, !overflow else { return .nonInteger }
            if negative {
                guard magnitude <= UInt64(Int.max) + 1 else { return .nonInteger }
                return .integer(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
            }
            guard magnitude <= UInt64(Int.max) else { return .nonInteger }
            return .integer(Int(magnitude))
        }

        private mutating func string() throws(ParseError) -> String {
            index += 1  // the opening quote
            let start = index
            // Fast path: no escapes.
            while let byte = peek(), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                guard byte >= 0x20 else { throw .invalidJSON }
                index += 1
            }
            guard let stop = peek() else { throw .invalidJSON }
            if stop == UInt8(ascii: "\"") {
                index += 1
                return try text(UnsafeBufferPointer(rebasing: bytes[start..<index - 1]))
            }
            var decoded = Array(bytes[start..<index])
            while true {
                guard let byte = next() else { throw .invalidJSON }
                switch byte {
                case UInt8(ascii: "\""):
                    return try decoded.withUnsafeBufferPointer { buffer throws(ParseError) in try text(buffer) }
                case UInt8(ascii: "\\"):
                    try escape(into: &decoded)
                case 0..<0x20:
                    throw .invalidJSON
                default:
                    decoded.append(byte)
                }
            }
        }

        private mutating func escape(into decoded: inout [UInt8]) throws(ParseError) {
            guard let byte = next() else { throw .invalidJSON }
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u") else { throw .invalidJSON }
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw .invalidJSON }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw .invalidJSON
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw .invalidJSON }
                decoded.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw .invalidJSON
            }
        }

        private mutating func hex4() throws(ParseError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = next() else { throw .invalidJSON }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw .invalidJSON
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        private func text(_ buffer: UnsafeBufferPointer<UInt8>) throws(ParseError) -> String {
            guard let string = String(validating: buffer, as: UTF8.self) else { throw .invalidJSON }
            return string
        }

        private func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        private func peek() -> UInt8? {
            index < bytes.count ? bytes[index] : nil
        }

        private mutating func next() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        private mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }
    }
}
