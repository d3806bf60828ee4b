#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Duration {
    var wholeMicroseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }

    var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// The duration in seconds, for arithmetic with rates and clocks in seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

/// Blocks the calling thread, which must be one of ours (never the cooperative pool's).
func blockingSleep(_ duration: Duration) {
    let microseconds = duration.wholeMicroseconds
    if microseconds > 0 { usleep(UInt32(clamping: microseconds)) }
}
