// The size limit every decoder checks against a file's header before it allocates anything, so a
// corrupt or hostile header declaring 100,000 × 100,000 pixels fails at once instead of exhausting memory.
import Foundation

/// Limits applied by every decoder of this module (PNG, JPEG, PPM/PGM).
public enum ImageLimits {
    /// The default for `maxPixels`: 100 megapixels, at most 400 MB of decoded RGBA samples.
    public static let defaultMaxPixels = 100_000_000

    /// The largest width × height a decoder accepts; headers declaring more throw
    /// `ImageIOError.tooLarge` before any pixel memory is allocated. Safe to change from any thread;
    /// decodes already running keep the value they started with.
    public static var maxPixels: Int {
        get { lock.lock(); defer { lock.unlock() }; return storedMaxPixels }
        set { lock.lock(); defer { lock.unlock() }; storedMaxPixels = max(0, newValue) }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var storedMaxPixels = defaultMaxPixels

    /// Throws `tooLarge` when `width × height` exceeds `limit` (overflow counts as exceeding).
    static func check(width: Int, height: Int, channels: Int, limit: Int, name: String, format: String) throws {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > limit {
            throw ImageIOError.tooLarge(name: name, format: format, width: width, height: height,
                                        channels: channels, limit: limit)
        }
    }
}
