// 2-D convolution (cross-correlation, as in every deep-learning library) as im2col + one GEMM over
// the whole batch, forward and backward side by side.
//   x: N × C × H × W, W: Cout × C × K × K (PyTorch's layout), b: Cout, y: N × Cout × OH × OW,
//   OH = (H + 2P − K) / S + 1 (the lectures' (W − K + 2P) / S + 1), likewise OW.
//   cols: (C·K·K) × (n·OH·OW) for a chunk of n samples: column i·OH·OW + p holds the receptive field
//   of output pixel p of sample i, so forward is [Cout × C·K·K]·[C·K·K × n·OH·OW], one product per
//   chunk of ~1,000 output pixels (sized so the chunk's columns stay in cache; the chunks run on
//   both cores).
import Tensors

/// A 2-D convolution layer with square kernels, zero padding and a stride.
public final class Conv2D: Layer {
    public let outChannels: Int
    public let expectedInChannels: Int?
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let initialization: WeightInitialization
    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter!

    // Geometry, fixed at build.
    private var cin = 0, h = 0, w = 0, oh = 0, ow = 0
    // Workspaces, grown to the largest batch seen and reused.
    private let cols = FloatBuffer()       // (C·K·K) × (N·OH·OW)
    private let channelMajor = FloatBuffer()  // Cout × (N·OH·OW): forward product, then dL/dy reordered
    private let colsGradient = FloatBuffer()  // (C·K·K) × (N·OH·OW)
    private let partialGradients = FloatBuffer()  // per chunk: dW (Cout × C·K·K) then db (Cout)

    /// - Parameters:
    ///   - inChannels: input channels; inferred from the previous layer when nil.
    ///   - outChannels: number of filters (Cout ≥ 1).
    ///   - kernelSize: K, the side of each square filter.
    ///   - stride: S ≥ 1. - padding: P ≥ 0 zeros on every side.
    public init(inChannels: Int? = nil, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                initialization: WeightInitialization = .he) {
        self.expectedInChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.initialization = initialization
        super.init()
    }

    public override var label: String { "Conv (Cout=\(outChannels), K=\(kernelSize), P=\(padding), S=\(stride))" }

    public override func outputShape(for s: [Int]) throws -> [Int] {
        guard outChannels >= 1, kernelSize >= 1, stride >= 1, padding >= 0 else {
            throw NeuralNetworkError.invalidOption(
                name: "Conv2D options", reason: "need outChannels ≥ 1, kernelSize ≥ 1, stride ≥ 1 and padding ≥ 0, got \(outChannels), \(kernelSize), \(stride), \(padding)")
        }
        guard s.count == 3 else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "needs C×H×W images per sample, gets \(shapeText(s)); give the model the image shape")
        }
        if let c = expectedInChannels, c != s[0] {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "was declared with \(c) input channels but gets \(s[0])")
        }
        let outH = (s[1] + 2 * padding - kernelSize) / stride + 1
        let outW = (s[2] + 2 * padding - kernelSize) / stride + 1
        guard s[1] + 2 * padding >= kernelSize, s[2] + 2 * padding >= kernelSize, outH >= 1, outW >= 1 else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "a \(kernelSize)×\(kernelSize) kernel does not fit a padded \(s[1])×\(s[2]) input; use more padding or a smaller kernel")
        }
        return [outChannels, outH, outW]
    }

    public override func didBuild() {
        cin = inputShape[0]; h = inputShape[1]; w = inputShape[2]
        oh = outputShape[1]; ow = outputShape[2]
        weight = Parameter(name: "weight", shape: [outChannels, cin, kernelSize, kernelSize], decays: true)
        bias = Parameter(name: "bias", shape: [outChannels])
    }

    public override var parameters: [Parameter] { isBuilt ? [weight, bias] : [] }
    public override var weightShapeText: String? { isBuilt ? shapeText(weight.shape) : nil }
    /// Each output value is the inner product of two C×K×K tensors.
    public override var multiplyAdds: Int { outputCount * cin * kernelSize * kernelSize }

    public override func initialize(using rng: inout Xoshiro256) {
        let fanIn = cin * kernelSize * kernelSize
        initialization.fill(weight.value, count: weight.count, fanIn: fanIn, fanOut: outChannels * kernelSize * kernelSize, rng: &rng)
        bias.value.update(repeating: 0, count: outChannels)
    }

    /// Samples per chunk: about 1,000 output pixels, so a chunk's columns stay in cache.
    private var chunkSamples: Int { max(1, 1_024 / (oh * ow)) }

    // Per chunk of samples, on one core: im2col → [Cout × C·K·K]·[C·K·K × n·OH·OW] → reorder to
    // N × Cout × OH × OW with the bias. Chunks are fixed by size, so results do not depend on the
    // thread count.
    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let kk = cin * kernelSize * kernelSize, plane = oh * ow, cs = chunkSamples, cout = outChannels
        let chunks = (n + cs - 1) / cs
        let chunkColumns = cs * plane
        let allCols = cols.reserve(chunks * kk * chunkColumns)
        let allYcm = channelMajor.reserve(chunks * cout * chunkColumns)
        let y = output.reserve(n * outputCount)
        let wgt = UnsafePointer(weight.value), b = bias.value, outCount = outputCount
        Parallel.forEachChunk(chunks) { q in
            let first = q * cs, m = min(cs, n - first), l = m * plane
            let c = allCols + q * kk * chunkColumns, ycm = allYcm + q * cout * chunkColumns
            self.im2col(x + first * self.inputCount, n: m, into: c)
            Kernels.sgemmSingle(transA: false, transB: false, m: cout, n: l, k: kk, a: wgt, lda: kk, b: c, ldb: l, c: ycm, ldc: l)
            for i in 0..<m {
                for ch in 0..<cout {
                    let src = ycm + ch * l + i * plane, dst = y + (first + i) * outCount + ch * plane, bc = b[ch]
                    for p in 0..<plane { dst[p] = src[p] + bc }
                }
            }
        }
        return UnsafePointer(y)
    }

    // Per chunk: dy reordered to Cout × n·OH·OW; partial dW = dy·colsᵀ and db; dcols = Wᵀ·dy scattered
    // back by col2im. The partial dW and db are then summed in chunk order.
    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        let kk = cin * kernelSize * kernelSize, plane = oh * ow, cs = chunkSamples, cout = outChannels
        let chunks = (n + cs - 1) / cs
        let chunkColumns = cs * plane
        let allCols = cols.pointer, allDcm = channelMajor.pointer
        let partials = partialGradients.reserve(chunks * (cout * kk + cout))
        let allDcols = dx == nil ? allCols : colsGradient.reserve(chunks * kk * chunkColumns)
        let wgt = UnsafePointer(weight.value), outCount = outputCount, inCount = inputCount
        Parallel.forEachChunk(chunks) { q in
            let first = q * cs, m = min(cs, n - first), l = m * plane
            let c = allCols + q * kk * chunkColumns, dcm = allDcm + q * cout * chunkColumns
            let dW = partials + q * (cout * kk + cout), db = dW + cout * kk
            for ch in 0..<cout {
                var s: Float = 0
                for i in 0..<m {
                    let src = dy + (first + i) * outCount + ch * plane, dst = dcm + ch * l + i * plane
                    for p in 0..<plane { dst[p] = src[p]; s += src[p] }
                }
                db[ch] = s
            }
            Kernels.sgemmSingle(transA: false, transB: true, m: cout, n: kk, k: l, a: dcm, lda: l, b: c, ldb: l, c: dW, ldc: kk)
            if let dx {
                let dc = allDcols + q * kk * chunkColumns
                Kernels.sgemmSingle(transA: true, transB: false, m: kk, n: l, k: cout, a: wgt, lda: kk, b: dcm, ldb: l, c: dc, ldc: l)
                self.col2im(dc, n: m, into: dx + first * inCount)
            }
        }
        let total = cout * kk + cout
        let g = weight.gradient, gb = bias.gradient
        g.update(from: partials, count: cout * kk)
        gb.update(from: partials + cout * kk, count: cout)
        for q in 1..<max(chunks, 1) {
            let p = partials + q * total
            for i in 0..<(cout * kk) { g[i] += p[i] }
            for i in 0..<cout { gb[i] += p[cout * kk + i] }
        }
    }

    /// cols[(c, ky, kx), i·OH·OW + oy·OW + ox] = x[i, c, oy·S − P + ky, ox·S − P + kx] (0 outside).
    private func im2col(_ x: UnsafePointer<Float>, n: Int, into cols: UnsafeMutablePointer<Float>) {
        let k = kernelSize, s = stride, p = padding, h = h, w = w, oh = oh, ow = ow, cin = cin
        let plane = oh * ow, l = n * plane, rows = cin * k * k
        do {
            for r in 0..<rows {
                let ch = r / (k * k), ky = (r / k) % k, kx = r % k
                // Output columns whose input column is inside the image: ox in lo..<hi.
                let lo = min(ow, max(0, (p - kx + s - 1) / s))
                let hi = max(lo, min(ow, w - 1 + p - kx < 0 ? 0 : (w - 1 + p - kx) / s + 1))
                for i in 0..<n {
                    let src = x + (i * cin + ch) * h * w
                    var dst = cols + r * l + i * plane
                    for oy in 0..<oh {
                        let iy = oy * s - p + ky
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: ow)
                        } else {
                            let srow = src + iy * w - p + kx
                            for ox in 0..<lo { dst[ox] = 0 }
                            if s == 1 {
                                (dst + lo).update(from: srow + lo, count: hi - lo)
                            } else {
                                for ox in lo..<hi { dst[ox] = srow[ox * s] }
                            }
                            for ox in hi..<ow { dst[ox] = 0 }
                        }
                        dst += ow
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: dx[i, c, y, x] = Σ of dcols over every (ky, kx, oy, ox) that read it.
    /// Each (sample, channel) plane is summed by one task in a fixed order.
    private func col2im(_ dcols: UnsafePointer<Float>, n: Int, into dx: UnsafeMutablePointer<Float>) {
        let k = kernelSize, s = stride, p = padding, h = h, w = w, oh = oh, ow = ow, cin = cin
        let plane = oh * ow, l = n * plane
        do {
            for q in 0..<(n * cin) {
                let i = q / cin, ch = q % cin
                let dst = dx + q * h * w
                dst.update(repeating: 0, count: h * w)
                for ky in 0..<k {
                    for kx in 0..<k {
                        let r = (ch * k + ky) * k + kx
                        let lo = min(ow, max(0, (p - kx + s - 1) / s))
                        let hi = max(lo, min(ow, w - 1 + p - kx < 0 ? 0 : (w - 1 + p - kx) / s + 1))
                        let src = dcols + r * l + i * plane
                        for oy in 0..<oh {
                            let iy = oy * s - p + ky
                            if iy < 0 || iy >= h { continue }
                            let drow = dst + iy * w - p + kx
                            let srow = src + oy * ow
                            if s == 1 {
                                for ox in lo..<hi { drow[ox] += srow[ox] }
                            } else {
                                for ox in lo..<hi { drow[ox * s] += srow[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}
