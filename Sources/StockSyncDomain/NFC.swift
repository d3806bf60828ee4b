// The standard library's own NFC normaliser (what `String` equality is built on), reached
// through its `_Unicode` SPI: Foundation's `precomposedStringWithCanonicalMapping` is not in
// FoundationEssentials, and the domain takes nothing more from Foundation.
@_spi(_Unicode) import Swift

extension String {
    /// Whether the text is in Unicode Normalization Form C (ASCII always is).
    var isNFC: Bool {
        utf8.allSatisfy { $0 < 0x80 } || utf8.elementsEqual(_nfcCodeUnits)
    }
}
