// 2-D convolution (cross-correlation, as in every deep-learning library), forward and backward side
// by side, as im2col + GEMM per sample.
//   x: N × C × H × W, W: Cout × C × K × K (PyTorch's layout), b: Cout, y: N × Cout × OH × OW,
//   OH = (H + 2P − K) / S + 1 (the lectures' (W − K + 2P) / S + 1), likewise OW.
//   KK = C·K·K (one receptive field), L = OH·OW (output pixels of one sample).
// Per sample i:
//   forward   cols_i[KK × L] = im2col(x_i);  y_i[Cout × L] = W[Cout × KK]·cols_i + b
//   backward  cols_i = im2col(x_i); dW += dy_i[Cout × L]·cols_iᵀ;  db += Σ_L dy_i
//             dcols_i[KK × L] = Wᵀ·dy_i;     dx_i = col2im(dcols_i)
// Samples are processed in groups of a fixed size, one group per task on the cores, each group with
// its own scratch memory (kept between batches, so nothing is allocated per batch). The weight
// gradient is summed per group and the group sums are added in group order, so results do not
// depend on the thread count. Each sample's matrices fit in the L2 cache of one core.
import CNeuralKernels
import Tensors

/// A 2-D convolution layer with square kernels, zero padding and a stride.
public final class Conv2D: Layer {
    public let outChannels: Int
    public let expectedInChannels: Int?
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let initialization: WeightInitialization
    /// Empty (no values) until the layer is built, then Cout × Cin × K × K.
    public private(set) var weight = Parameter(name: "weight", shape: [0], decays: true)
    /// Empty until the layer is built, then Cout.
    public private(set) var bias = Parameter(name: "bias", shape: [0])

    /// Samples per group: the unit of work of one task and of the weight-gradient partial sums.
    static let groupSamples = 8

    // Geometry, fixed at build: input C×H×W, padded PH×PW, output OH×OW.
    private var cin = 0, h = 0, w = 0, ph = 0, pw = 0, oh = 0, ow = 0
    // Workspaces, grown to the largest batch seen and reused.
    private let transposedWeight = FloatBuffer()  // Wᵀ: KK × Cout
    private let scratch = FloatBuffer()           // per group: padded input, cols/rows, dcols
    private let partialGradients = FloatBuffer()  // per group: dW (Cout × KK) then db (Cout)

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
        guard s[1] + 2 * padding >= kernelSize, s[2] + 2 * padding >= kernelSize else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "a \(kernelSize)×\(kernelSize) kernel does not fit a padded \(s[1])×\(s[2]) input; use more padding or a smaller kernel")
        }
        return [outChannels, (s[1] + 2 * padding - kernelSize) / stride + 1, (s[2] + 2 * padding - kernelSize) / stride + 1]
    }

    public override func didBuild() {
        cin = inputShape[0]; h = inputShape[1]; w = inputShape[2]
        ph = h + 2 * padding; pw = w + 2 * padding
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

    private var receptiveField: Int { cin * kernelSize * kernelSize }
    private var paddedCount: Int { cin * ph * pw }
    /// Floats of one group's scratch: the padded sample, cols (or rows), dcols, the padded dx.
    private var scratchPerGroup: Int { 2 * paddedCount + 2 * receptiveField * oh * ow }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let kk = receptiveField, plane = oh * ow, cout = outChannels, inCount = inputCount, outCount = outputCount
        let groups = (n + Conv2D.groupSamples - 1) / Conv2D.groupSamples, per = scratchPerGroup, padded = paddedCount
        let y = output.reserve(n * outCount)
        let wt = transposedWeight.reserve(kk * cout), wv = weight.value, b = bias.value
        // Wᵀ once per batch, so every sample's product packs its A operand by contiguous copies.
        for o in 0..<cout { for r in 0..<kk { wt[r * cout + o] = wv[o * kk + r] } }
        let work = scratch.reserve(groups * per)
        Parallel.forEachChunk(groups) { g in
            let xp = work + g * per, cols = xp + padded
            for i in (g * Conv2D.groupSamples)..<min(n, (g + 1) * Conv2D.groupSamples) {
                self.pad(x + i * inCount, into: xp)
                self.im2col(xp, into: cols)
                let yi = y + i * outCount
                for o in 0..<cout { (yi + o * plane).update(repeating: b[o], count: plane) }
                Kernels.sgemmSingle(transA: true, transB: false, m: cout, n: plane, k: kk, a: wt, lda: cout,
                                    b: cols, ldb: plane, beta: 1, c: yi, ldc: plane)
            }
        }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        let kk = receptiveField, plane = oh * ow, cout = outChannels, inCount = inputCount, outCount = outputCount
        let groups = (n + Conv2D.groupSamples - 1) / Conv2D.groupSamples, per = scratchPerGroup, padded = paddedCount
        let x = input, wv = UnsafePointer(weight.value)
        let partial = cout * kk + cout
        let partials = partialGradients.reserve(groups * partial)
        let work = scratch.reserve(groups * per)
        Parallel.forEachChunk(groups) { g in
            let xp = work + g * per, cols = xp + padded, dcols = cols + kk * plane, dxp = dcols + kk * plane
            let dW = partials + g * partial, db = dW + cout * kk
            let first = g * Conv2D.groupSamples
            for i in first..<min(n, first + Conv2D.groupSamples) {
                let dyi = dy + i * outCount
                self.pad(x + i * inCount, into: xp)
                // dW += dy_i·cols_iᵀ: the product packs colsᵀ by in-register transposes, cheaper
                // than writing the transpose out in K-float pieces, and the same bits.
                self.im2col(xp, into: cols)
                Kernels.sgemmSingle(transA: false, transB: true, m: cout, n: kk, k: plane, a: dyi, lda: plane,
                                    b: cols, ldb: plane, beta: i == first ? 0 : 1, c: dW, ldc: kk)
                nk_row_sums(dyi, Int32(cout), Int32(plane), db, i == first ? 0 : 1)
                if let dx {
                    Kernels.sgemmSingle(transA: true, transB: false, m: kk, n: plane, k: cout, a: wv, lda: kk,
                                        b: dyi, ldb: plane, beta: 0, c: dcols, ldc: plane)
                    self.col2im(dcols, padded: dxp, into: dx + i * inCount)
                }
            }
        }
        let g = weight.gradient, gb = bias.gradient
        g.update(from: partials, count: cout * kk)
        gb.update(from: partials + cout * kk, count: cout)
        for q in 1..<max(groups, 1) {
            let p = partials + q * partial
            for j in 0..<(cout * kk) { g[j] += p[j] }
            for j in 0..<cout { gb[j] += p[cout * kk + j] }
        }
    }

    /// xp[c, y, x] = x[c, y − P, x − P], zero in the border: C × PH × PW.
    private func pad(_ x: UnsafePointer<Float>, into xp: UnsafeMutablePointer<Float>) {
        let p = padding, h = h, w = w, ph = ph, pw = pw
        if p == 0 { xp.update(from: x, count: cin * h * w); return }
        for c in 0..<cin {
            let dst = xp + c * ph * pw, src = x + c * h * w
            dst.update(repeating: 0, count: p * pw)
            for r in 0..<h {
                let row = dst + (r + p) * pw
                row.update(repeating: 0, count: p)
                (row + p).update(from: src + r * w, count: w)
                (row + p + w).update(repeating: 0, count: p)
            }
            (dst + (h + p) * pw).update(repeating: 0, count: p * pw)
        }
    }

    /// cols[(c, ky, kx), oy·OW + ox] = xp[c, oy·S + ky, ox·S + kx]: KK × L.
    private func im2col(_ xp: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>) {
        nk_im2col(xp, Int32(cin), Int32(ph), Int32(pw), Int32(kernelSize), Int32(stride), Int32(oh), Int32(ow), cols)
    }

    /// The adjoint of pad ∘ im2col: every dcols value is added to the padded position it was read
    /// from (in a fixed order), then the border is dropped: dx is C × H × W.
    private func col2im(_ dcols: UnsafePointer<Float>, padded dxp: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        nk_col2im(dcols, Int32(cin), Int32(ph), Int32(pw), Int32(kernelSize), Int32(stride), Int32(oh), Int32(ow), dxp)
        let p = padding, h = h, w = w, ph = ph, pw = pw
        for c in 0..<cin {
            for r in 0..<h { (dx + (c * h + r) * w).update(from: dxp + (c * ph + r + p) * pw + p, count: w) }
        }
    }
}
