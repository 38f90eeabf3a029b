// Parallel loops over the machine's cores whose results never depend on the thread count: work is
// cut into chunks by size alone, each chunk writes its own output, and reductions combine chunk
// results in chunk order.
import CTensorKernels
import Dispatch
import Foundation

public enum Parallel {
    /// Threads the suite uses: `CVD_THREADS` from the environment when set (≥ 1), else the number of
    /// active cores. Set `threadCount` before heavy work to override.
    nonisolated(unsafe) public static var threadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["CVD_THREADS"], let n = Int(text), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }() {
        didSet { threadCount = max(1, threadCount) }
    }

    /// The machine's processor count: work that must split the same way whatever `threadCount` is
    /// (the blocks of a matrix product) splits by this.
    public static let coreCount: Int = max(1, ProcessInfo.processInfo.processorCount)

    /// Runs `body(chunkIndex)` for every chunk in `0..<chunks`, concurrently when more than one
    /// thread is allowed. Chunks must write disjoint outputs.
    public static func forEachChunk(_ chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 0 else { return }
        // Every thread that computes flushes denormals to zero, so the results are the same bits
        // whatever thread runs a chunk (and training does not slow down as gradients shrink).
        tk_flush_denormals()
        if threadCount == 1 || chunks == 1 {
            for c in 0..<chunks { body(c) }
            return
        }
        // The suite's own pool first (its workers spin briefly between loops instead of sleeping);
        // a loop it cannot take (nested, or another thread's loop running) goes to Dispatch.
        let pooled = withoutActuallyEscaping(body) { body -> Bool in
            var task = body
            return withUnsafeMutablePointer(to: &task) { context in
                tk_parallel_run(chunks, Int32(min(threadCount, 256)), { context, chunk in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
                }, context) != 0
            }
        }
        if pooled { return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            tk_flush_denormals()
            body(c)
        }
    }

    /// Splits `range` into chunks of `grain` elements (the last may be shorter) and runs `body` on
    /// each. The split depends only on `grain`, never on the thread count.
    public static func forRange(_ range: Range<Int>, grain: Int, _ body: (Range<Int>) -> Void) {
        let grain = max(1, grain)
        let chunks = (range.count + grain - 1) / grain
        forEachChunk(chunks) { c in
            let lo = range.lowerBound + c * grain
            body(lo..<min(lo + grain, range.upperBound))
        }
    }

    /// Maps each chunk of `range` to a value and returns the values in chunk order, so that a
    /// reduction over them is the same whatever the thread count.
    public static func mapChunks<T>(_ range: Range<Int>, grain: Int, _ body: (Range<Int>) -> T) -> [T] {
        let grain = max(1, grain)
        let chunks = (range.count + grain - 1) / grain
        var results = [T?](repeating: nil, count: chunks)
        results.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }   // no chunks
            forEachChunk(chunks) { c in
                let lo = range.lowerBound + c * grain
                (base + c).pointee = body(lo..<min(lo + grain, range.upperBound))
            }
        }
        return results.compactMap { $0 }   // every chunk wrote its slot
    }
}
