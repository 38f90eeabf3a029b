// The size limit every decoder checks against a file's header before it allocates anything, so a
// corrupt or hostile header declaring 100,000 × 100,000 pixels fails at once instead of exhausting memory.
import Foundation

/// Limits applied by every decoder of this module (PNG, JPEG, PPM/PGM).
public enum ImageLimits {
    /// The default for `maxPixels`: 100 megapixels, at most 400 MB of decoded RGBA samples.
    public static let defaultMaxPixels = 100_000_000

    /// The environment variable that sets `maxPixels` for a whole run (a positive whole number of
    /// pixels, e.g. `CVD_MAX_PIXELS=400000000`); the too-large error names it.
    public static let environmentVariable = "CVD_MAX_PIXELS"

    /// The largest width × height a decoder accepts; headers declaring more throw
    /// `ImageFileError.tooLarge` before any pixel memory is allocated. Unless set here, it is the
    /// value of `CVD_MAX_PIXELS` when that is set (read at every decode), else `defaultMaxPixels`.
    /// Safe to change from any thread; decodes already running keep the value they started with.
    public static var maxPixels: Int {
        get { (try? currentLimit()) ?? defaultMaxPixels }
        set { lock.lock(); defer { lock.unlock() }; explicitMaxPixels = max(0, newValue) }
    }

    /// Forgets a value set through `maxPixels`: the limit is `CVD_MAX_PIXELS` again, or the default.
    public static func resetMaxPixels() {
        lock.lock(); defer { lock.unlock() }
        explicitMaxPixels = nil
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var explicitMaxPixels: Int?

    /// The limit a decode starts with: the value set through `maxPixels`, else `CVD_MAX_PIXELS`,
    /// else the default.
    ///
    /// - Throws: `ImageFileError.invalidSetting` when `CVD_MAX_PIXELS` is not a whole number.
    static func currentLimit() throws -> Int {
        lock.lock()
        let explicit = explicitMaxPixels
        lock.unlock()
        if let explicit { return explicit }
        guard let text = ProcessInfo.processInfo.environment[environmentVariable] else { return defaultMaxPixels }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(trimmed) else {
            throw ImageFileError.invalidSetting(name: environmentVariable, value: text,
                                              expected: "a whole number of pixels, e.g. \(defaultMaxPixels * 4)")
        }
        return value
    }

    /// Throws `tooLarge` when `width × height` exceeds `limit` (overflow counts as exceeding).
    static func check(width: Int, height: Int, channels: Int, limit: Int, name: String, format: String) throws {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > limit {
            throw ImageFileError.tooLarge(name: name, format: format, width: width, height: height,
                                        channels: channels, limit: limit)
        }
    }
}
