// Batch normalization (Ioffe & Szegedy 2015), the lectures' normalization formula
// x̂ = (x − μ_j) / √(σ_j² + ε), followed by a learned scale and shift: y = γ·x̂ + β.
//   x: N × D (one statistic per feature) or N × C × H × W (one per channel, over N·H·W values).
// Training uses the batch's mean and (biased) variance and updates running estimates
// (momentum 0.1, unbiased variance, as PyTorch); inference uses the running estimates.
// The training passes run per channel in C (nk_batchnorm_*), the channels split over the cores.
import CNeuralKernels
import Foundation
import Tensors

public final class BatchNorm: Layer {
    public let epsilon: Float
    public let momentum: Float
    // Empty (no values) until the layer is built, then one value per channel or feature.
    public private(set) var gamma = Parameter(name: "weight", shape: [0], fill: 1)
    public private(set) var beta = Parameter(name: "bias", shape: [0])
    public private(set) var runningMean = Parameter(name: "running_mean", shape: [0], isTrainable: false)
    public private(set) var runningVariance = Parameter(name: "running_var", shape: [0], isTrainable: false, fill: 1)

    private var channels = 0, spatial = 1
    // The batch's mean and 1/√(σ² + ε) per channel, from the last training pass; backward
    // recomputes x̂ from them and the input rather than keeping N·C·H·W values of x̂.
    private var means: [Float] = []
    private var inverseStd: [Float] = []
    private var lastWasTraining = false

    public init(epsilon: Float = 1e-5, momentum: Float = 0.1) {
        self.epsilon = epsilon
        self.momentum = momentum
        super.init()
    }

    public override var label: String { "BatchNorm" }

    public override func outputShape(for s: [Int]) throws -> [Int] {
        guard s.count == 1 || s.count == 3 else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "needs D features or C×H×W images per sample, gets \(shapeText(s))")
        }
        return s
    }

    public override func didBuild() {
        channels = inputShape[0]
        spatial = inputShape.count == 3 ? inputShape[1] * inputShape[2] : 1
        gamma = Parameter(name: "weight", shape: [channels], fill: 1)
        beta = Parameter(name: "bias", shape: [channels])
        runningMean = Parameter(name: "running_mean", shape: [channels], isTrainable: false)
        runningVariance = Parameter(name: "running_var", shape: [channels], isTrainable: false, fill: 1)
        means = [Float](repeating: 0, count: channels)
        inverseStd = [Float](repeating: 1, count: channels)
    }

    public override var parameters: [Parameter] { isBuilt ? [gamma, beta, runningMean, runningVariance] : [] }
    public override var weightShapeText: String? { isBuilt ? "\(channels)" : nil }
    public override var multiplyAdds: Int { outputCount }

    public override func initialize(using rng: inout Xoshiro256) {
        gamma.value.update(repeating: 1, count: channels)
        beta.value.update(repeating: 0, count: channels)
        runningMean.value.update(repeating: 0, count: channels)
        runningVariance.value.update(repeating: 1, count: channels)
    }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let count = n * outputCount
        let y = output.reserve(count)
        let c = channels, s = spatial, eps = epsilon, mom = momentum
        let g = gamma.value, b = beta.value, rm = runningMean.value, rv = runningVariance.value
        lastWasTraining = training
        if !training {
            parallelElements(c, grain: 1) { chans in
                for ch in chans {
                    let inv = 1 / (rv[ch] + eps).squareRoot()
                    for i in 0..<n {
                        let base = (i * c + ch) * s
                        for p in 0..<s { y[base + p] = g[ch] * (x[base + p] - rm[ch]) * inv + b[ch] }
                    }
                }
            }
            return UnsafePointer(y)
        }
        let m = Double(n * s)
        means.withUnsafeMutableBufferPointer { meanOut in
            inverseStd.withUnsafeMutableBufferPointer { invOut in
                guard let meanOut = meanOut.baseAddress, let invOut = invOut.baseAddress else { return }   // no channels
                parallelElements(c, grain: 1) { chans in
                    for ch in chans {
                        var variance = 0.0
                        nk_batchnorm_forward_train(x, Int32(n), Int32(c), Int32(s), Int32(ch), g[ch], b[ch], Double(eps), y,
                                                   meanOut + ch, invOut + ch, &variance)
                        rm[ch] = (1 - mom) * rm[ch] + mom * meanOut[ch]
                        let unbiased = m > 1 ? variance * m / (m - 1) : variance
                        rv[ch] = (1 - mom) * rv[ch] + mom * Float(unbiased)
                    }
                }
            }
        }
        return UnsafePointer(y)
    }

    // dγ = Σ dy·x̂, dβ = Σ dy, dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)) over each channel's N·H·W values.
    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        let c = channels, s = spatial
        let g = gamma.value, dg = gamma.gradient, db = beta.gradient
        if !lastWasTraining {
            // Inference statistics are constants: the layer is an affine map.
            let x = input, rm = runningMean.value, rv = runningVariance.value, eps = epsilon
            for ch in 0..<c {
                let inv = 1 / (rv[ch] + eps).squareRoot()
                var sg = 0.0, sb = 0.0
                for i in 0..<n {
                    let base = (i * c + ch) * s
                    for p in 0..<s {
                        sb += Double(dy[base + p]); sg += Double(dy[base + p] * (x[base + p] - rm[ch]) * inv)
                        dx?[base + p] = dy[base + p] * g[ch] * inv
                    }
                }
                dg[ch] = Float(sg); db[ch] = Float(sb)
            }
            return
        }
        let x = input
        means.withUnsafeBufferPointer { meanIn in
            inverseStd.withUnsafeBufferPointer { invIn in
                guard let meanIn = meanIn.baseAddress, let invIn = invIn.baseAddress else { return }   // no channels
                parallelElements(c, grain: 1) { chans in
                    for ch in chans {
                        nk_batchnorm_backward_train(x, dy, Int32(n), Int32(c), Int32(s), Int32(ch), meanIn[ch], invIn[ch], g[ch],
                                                    dx, dg + ch, db + ch)
                    }
                }
            }
        }
    }
}
