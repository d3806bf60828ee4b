#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocks the calling thread, which must be one of ours (never the cooperative pool's).
package func blockingSleep(_ duration: Duration) {
    let microseconds = duration.wholeMicroseconds
    if microseconds > 0 { usleep(UInt32(clamping: microseconds)) }
}
