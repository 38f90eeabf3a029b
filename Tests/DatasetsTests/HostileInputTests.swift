// Inputs a user reported as hostile to the loaders: gzip bombs (CSV and IDX), an IDX label file
// that cannot match its images, named pipes where files are expected, and non-UTF-8 file and
// folder names. Each must fail at once with a sentence, or load, never hang or exhaust memory.
import Datasets
import Foundation
import ImageFiles
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class HostileInputTests: XCTestCase {
    /// Gzip data of `count` zero bytes with the last `cut` bytes removed: inflating them to the end
    /// would report a truncated file, so a cap error proves the inflater stopped at the cap.
    private func zeroBomb(_ count: Int, cut: Int) -> [UInt8] {
        let gz = gzipCompressed([UInt8](repeating: 0, count: count), level: 1)
        return Array(gz.prefix(gz.count - cut))
    }

    // MARK: - Inflation caps

    func testGzippedCSVInflatingPastTheCapIsRefusedAtTheCap() throws {
        let bomb = zeroBomb(16 << 20, cut: 8)  // 16 MiB of NUL bytes in about 16 KB
        let start = Date()
        let message = errorMessage(try decodeCSV(bomb, path: "bomb.csv.gz", maximumInflatedSize: 1 << 20))
        XCTAssertEqual(message, "bomb.csv.gz: the gzip data inflate to more than 1048576 bytes (1 MiB), the limit for CSV data; "
                       + "if the file is genuine, raise the limit with the environment variable CVD_MAX_INFLATED_BYTES "
                       + "(a number of bytes, or e.g. CVD_MAX_INFLATED_BYTES=4G).")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        // Rows that would parse: the cap applies whatever the data are.
        let rows = [UInt8](String(repeating: "1,2,3\n", count: 400_000).utf8)  // 2.4 MB
        XCTAssertTrue(errorMessage(try decodeCSV(gzipCompressed(rows), path: "rows.csv.gz", maximumInflatedSize: 1 << 20))
            .contains("rows.csv.gz: the gzip data inflate to more than 1048576 bytes"))
        // Under the cap (exactly at it) the same data load.
        let set = try decodeCSV(gzipCompressed(rows), path: "rows.csv.gz", maximumInflatedSize: rows.count)
        XCTAssertEqual(set.count, 400_000)
        XCTAssertEqual(set.labels.first, 1)
    }

    func testTheCSVCapComesFromTheEnvironment() throws {
        defer { unsetenv("CVD_MAX_INFLATED_BYTES") }
        let dir = try temporaryFolder(self)
        let csv = [UInt8](String(repeating: "0,1.5\n1,2.5\n", count: 50_000).utf8)  // 600 KB
        try write(gzipCompressed(csv), to: dir + "/t.csv.gz")
        unsetenv("CVD_MAX_INFLATED_BYTES")
        XCTAssertEqual(try maximumInflatedCSVBytes(), 2 << 30)
        XCTAssertEqual(try loadCSV(dir + "/t.csv.gz").count, 100_000)
        setenv("CVD_MAX_INFLATED_BYTES", "512K", 1)
        XCTAssertEqual(try maximumInflatedCSVBytes(), 512 << 10)
        let message = errorMessage(try loadCSV(dir + "/t.csv.gz"))
        XCTAssertTrue(message.hasPrefix(dir + "/t.csv.gz: the gzip data inflate to more than 524288 bytes (512 KiB)"), message)
        XCTAssertTrue(message.contains("CVD_MAX_INFLATED_BYTES"), message)
        XCTAssertTrue(errorMessage(try loadDataset(spec: dir + "/t.csv.gz")).contains("more than 524288 bytes"))
        setenv("CVD_MAX_INFLATED_BYTES", "600000", 1)
        XCTAssertEqual(try loadCSV(dir + "/t.csv.gz").count, 100_000)
        setenv("CVD_MAX_INFLATED_BYTES", "lots", 1)
        XCTAssertEqual(errorMessage(try loadCSV(dir + "/t.csv.gz")),
                       "Invalid environment variable CVD_MAX_INFLATED_BYTES: \"lots\" is not a positive number of bytes; write e.g. 4294967296 or 4G.")
    }

    func testIDXInflatingPastItsDeclaredSizeIsRefusedAtThatSize() throws {
        // 3 images of 2×3 declared (34 bytes), then 4 MiB more, cut short: inflating it all
        // would report truncation; stopping at the declared size reports the extra bytes.
        let header = idxImages(count: 3, rows: 2, cols: 3, pixels: [])
        let gz = gzipCompressed(header + [UInt8](repeating: 0, count: 18 + (4 << 20)), level: 1)
        let bomb = Array(gz.prefix(gz.count - 8))
        let message = errorMessage(try decodeIDX(bomb, rank: 3, path: "img.gz"))
        XCTAssertEqual(message, "img.gz: header declares 3 images of 2×3 (34 bytes) but the file inflates to more; the file has extra bytes at the end.")
    }

    func testALabelFileThatCannotMatchIsRefusedBeforeTheImagesInflate() throws {
        let dir = try temporaryFolder(self)
        // An honest header of 6,000,000 images of 28×28 (4.7 GB) with a garbage payload, cut
        // short: the counts disagree, and that is all that may be reported.
        var images = gzipCompressed(idxImages(count: 6_000_000, rows: 28, cols: 28, pixels: (0..<4096).map { UInt8($0 % 251) }))
        images = Array(images.prefix(images.count - 100))
        try write(images, to: dir + "/img.gz")
        try write(gzipCompressed(idxLabels([UInt8](repeating: 1, count: 10))), to: dir + "/lab.gz")
        let start = Date()
        let message = errorMessage(try loadIDX(images: dir + "/img.gz", labels: dir + "/lab.gz", name: "t"))
        XCTAssertEqual(message, dir + "/lab.gz: holds 10 labels but img.gz holds 6000000 images; the two files must come from the same set.")
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        // Plain files too: the images are not read beyond their header.
        try write(idxImages(count: 6_000_000, rows: 28, cols: 28, pixels: [1, 2, 3]), to: dir + "/img")
        XCTAssertTrue(errorMessage(try loadIDX(images: dir + "/img", labels: dir + "/lab.gz", name: "t"))
            .contains("holds 10 labels but img holds 6000000 images"))
    }

    // MARK: - Only regular files are opened

    /// Makes a named pipe; should a loader block on it after all, a writer opens and closes it
    /// after 5 seconds so the test fails instead of hanging. Call the returned closure when done.
    private func makePipe(_ path: String) -> () -> Void {
        XCTAssertEqual(mkfifo(path, 0o600), 0, String(cString: strerror(errno)))
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if done.wait(timeout: .now() + 5) == .timedOut {
                let writer = open(path, O_WRONLY | O_NONBLOCK)
                if writer >= 0 { close(writer) }
            }
        }
        return { done.signal() }
    }

    func testNamedPipesAreRefusedAtOnceByEveryLoader() throws {
        let dir = try temporaryFolder(self)
        let release = makePipe(dir + "/x.csv")
        defer { release() }
        let start = Date()
        XCTAssertEqual(errorMessage(try loadCSV(dir + "/x.csv")),
                       dir + "/x.csv: is a named pipe (FIFO), not a regular file; pass a regular file.")
        XCTAssertTrue(errorMessage(try loadDataset(spec: dir + "/x.csv")).contains("x.csv: is a named pipe (FIFO)"))
        try write(idxLabels([1]), to: dir + "/lab")
        XCTAssertEqual(errorMessage(try loadIDX(images: dir + "/x.csv", labels: dir + "/lab", name: "t")),
                       dir + "/x.csv: is a named pipe (FIFO), not a regular file; pass a regular file.")
        XCTAssertTrue(errorMessage(try loadCSV(dir)).contains("is a folder, not a file"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    func testANamedPipeInAClassFolderIsRefusedUnopened() throws {
        let root = try temporaryFolder(self)
        try writeImage(Image(width: 2, height: 2, channels: 1, repeating: 9), toPath: root + "/cat/a.png")
        let release = makePipe(root + "/cat/x.png")
        defer { release() }
        let start = Date()
        let message = errorMessage(try loadImageFolder(root, width: 2, height: 2))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertTrue(message.contains("cat/x.png") && message.contains("a named pipe (FIFO), not a regular file"), message)
    }

    // MARK: - Names that are not UTF-8

    /// Creates the file at the raw path (bytes, not UTF-8) with `content`.
    private func writeRaw(_ content: [UInt8], to path: [UInt8]) {
        let descriptor = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        }
        XCTAssertGreaterThanOrEqual(descriptor, 0, String(cString: strerror(errno)))
        XCTAssertEqual(content.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }, content.count)
        close(descriptor)
    }

    private func makeRawFolder(_ path: [UInt8]) {
        let result = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { mkdir($0, 0o700) }
        }
        XCTAssertEqual(result, 0, String(cString: strerror(errno)))
    }

    func testNonUTF8FileAndClassFolderNamesAreReadAndShownEscaped() throws {
        let root = try temporaryFolder(self)
        let base = Array(root.utf8)
        let cafe: [UInt8] = Array("caf".utf8) + [0xE9]  // "café" in Latin-1
        // dog/caf\xe9.png (a non-UTF-8 file) and caf\xe9/b.png (a non-UTF-8 class folder).
        try writeImage(Image(width: 2, height: 2, channels: 1, repeating: 10), toPath: root + "/dog/a.png")
        writeRaw(try encodePNG(Image(width: 2, height: 2, channels: 1, repeating: 51)), to: base + Array("/dog/".utf8) + cafe + Array(".png".utf8))
        makeRawFolder(base + [0x2F] + cafe)
        writeRaw(try encodePNG(Image(width: 2, height: 2, channels: 1, repeating: 102)), to: base + [0x2F] + cafe + Array("/b.png".utf8))
        let loaded = try loadImageFolder(root, width: 2, height: 2)
        XCTAssertEqual(loaded.dataset.classNames, ["caf\\xe9", "dog"])
        XCTAssertEqual(loaded.dataset.labels, [0, 1, 1])
        XCTAssertEqual(loaded.dataset.features.data.map { ($0 * 255).rounded() }, [102, 102, 102, 102, 10, 10, 10, 10, 51, 51, 51, 51])
        XCTAssertEqual(loaded.skippedFiles, [])
        // A damaged one is named with its bytes escaped.
        writeRaw(Array("not an image".utf8), to: base + Array("/dog/".utf8) + cafe + Array(".png".utf8))
        let message = errorMessage(try loadImageFolder(root, width: 2, height: 2))
        XCTAssertTrue(message.hasPrefix(root + "/dog/caf\\xe9.png: not a PNG, JPEG, PPM or PGM file"), message)
        // Two class folders that would show alike are refused, not merged.
        makeRawFolder(base + Array("/caf\\xe9".utf8))
        writeRaw(try encodePNG(Image(width: 2, height: 2, channels: 1)), to: base + Array("/caf\\xe9/c.png".utf8))
        XCTAssertTrue(errorMessage(try loadImageFolder(root, width: 2, height: 2)).contains("two class folders show as \"caf\\xe9\""))
    }
}
