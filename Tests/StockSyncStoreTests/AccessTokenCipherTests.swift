import StockSyncStore
import Testing

@Suite("Access tokens sealed at rest")
struct AccessTokenCipherTests {
    static let token = "shpat_0123456789abcdef0123456789abcdef"
    let key = AccessTokenCipher.generateKey()
    let otherKey = AccessTokenCipher.generateKey()

    @Test("a sealed token opens with its key and shop, and shows neither the token nor the key")
    func roundTrip() throws {
        let cipher = try AccessTokenCipher(key: key)
        let sealed = cipher.seal(Self.token, shop: "a.myshopify.com")
        #expect(!sealed.contains(Self.token) && !sealed.contains("shpat_") && !sealed.contains(key))
        #expect(sealed.hasPrefix("v1.\(cipher.keyID)."))
        #expect(AccessTokenCipher.keyID(of: sealed) == cipher.keyID)
        #expect(try cipher.open(sealed, shop: "a.myshopify.com") == Self.token)
        #expect(cipher.seal(Self.token, shop: "a.myshopify.com") != sealed, "a fresh nonce each time")
    }

    @Test("moved to another shop's row, altered, or sealed with another key, a token does not open")
    func refusals() throws {
        let cipher = try AccessTokenCipher(key: key)
        let sealed = cipher.seal(Self.token, shop: "a.myshopify.com")
        #expect(throws: AccessTokenSealProblem.self) { try cipher.open(sealed, shop: "b.myshopify.com") }
        var altered = Array(sealed.utf8)
        altered[altered.count - 3] = altered[altered.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: AccessTokenSealProblem.self) { try cipher.open(String(decoding: altered, as: UTF8.self), shop: "a.myshopify.com") }
        #expect(throws: AccessTokenSealProblem.self) { try cipher.open(Self.token, shop: "a.myshopify.com") }
        let other = try AccessTokenCipher(key: otherKey)
        do {
            _ = try other.open(sealed, shop: "a.myshopify.com")
            Issue.record("opened with another key")
        } catch {
            #expect(error.description.contains("sealed with another key (id \(cipher.keyID))"))
            #expect(error.description.contains("STOCKSYNC_TOKEN_KEY"))
            #expect(!error.description.contains(Self.token))
        }
        #expect(!other.opens(keyID: cipher.keyID))
    }

    @Test("during a rotation the previous key still opens what it sealed; new seals use the current key")
    func rotation() throws {
        let old = try AccessTokenCipher(key: key)
        let sealed = old.seal(Self.token, shop: "a.myshopify.com")
        let rotating = try AccessTokenCipher(key: otherKey, previous: key)
        #expect(try rotating.open(sealed, shop: "a.myshopify.com") == Self.token)
        #expect(rotating.opens(keyID: old.keyID))
        #expect(AccessTokenCipher.keyID(of: rotating.seal(Self.token, shop: "a.myshopify.com")) == rotating.keyID)
        #expect(rotating.keyID != old.keyID)
    }

    @Test("a key that is not 32 bytes of base64 is refused without being repeated")
    func badKeys() {
        for bad in ["", "not base64!", "c2hvcnQ=", AccessTokenCipher.generateKey() + "AAAA"] {
            #expect(throws: AccessTokenKeyProblem.self) { try AccessTokenCipher(key: bad) }
        }
        do {
            _ = try AccessTokenCipher(key: "hunter2hunter2")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}
