// Max and average pooling over K×K windows with stride S (no padding), per sample and channel.
//   x: N × C × H × W → y: N × C × OH × OW, OH = (H − K) / S + 1.
import CNeuralKernels
import Tensors

/// Shared geometry of the pooling layers.
public class Pool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    var c = 0, h = 0, w = 0, oh = 0, ow = 0

    init(window kernelSize: Int, stride: Int?) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        super.init()
    }

    public override func outputShape(for s: [Int]) throws -> [Int] {
        guard kernelSize >= 1, stride >= 1 else {
            throw NeuralNetworkError.invalidOption(name: "\(label) options", reason: "kernel size and stride must be at least 1, got \(kernelSize) and \(stride)")
        }
        guard s.count == 3 else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "needs C×H×W images per sample, gets \(shapeText(s))")
        }
        guard s[1] >= kernelSize, s[2] >= kernelSize else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "a \(kernelSize)×\(kernelSize) window does not fit a \(s[1])×\(s[2]) input")
        }
        return [s[0], (s[1] - kernelSize) / stride + 1, (s[2] - kernelSize) / stride + 1]
    }

    public override func didBuild() {
        c = inputShape[0]; h = inputShape[1]; w = inputShape[2]
        oh = outputShape[1]; ow = outputShape[2]
    }
}

/// Max pooling: each output is the largest value of its window; the gradient flows to that value
/// (the first one on a tie).
public final class MaxPool2D: Pool2D {
    private let argmax = IndexBuffer()  // N·C·OH·OW indices within the input plane
    /// Set by `Sequential` when a ReLU precedes this layer: the backward pass then also applies
    /// the ReLU's mask (gradient only where the input, the ReLU's output, is positive).
    var masksNonPositiveInputs = false

    /// - Parameters: kernelSize K; stride S (defaults to K: non-overlapping windows).
    public init(kernelSize: Int = 2, stride: Int? = nil) { super.init(window: kernelSize, stride: stride) }

    public override var label: String { "MaxPool(K=\(kernelSize), S=\(stride))" }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(n * outputCount)
        let arg = argmax.reserve(n * outputCount)
        let k = kernelSize, s = stride, h = h, w = w, oh = oh, ow = ow
        if k == 2 && s == 2 {
            // The common 2×2 window, in C (same result and tie rule as the loop below).
            parallelElements(n * c, grain: max(1, 32_768 / (h * w))) { planes in
                nk_maxpool2_forward(x + planes.lowerBound * h * w, Int32(planes.count), Int32(h), Int32(w),
                                    y + planes.lowerBound * oh * ow, arg + planes.lowerBound * oh * ow)
            }
            return UnsafePointer(y)
        }
        parallelElements(n * c, grain: max(1, 16_384 / (h * w))) { planes in
            for q in planes {
                let src = x + q * h * w, dst = y + q * oh * ow, idx = arg + q * oh * ow
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var best = -Float.infinity
                        var at = (oy * s) * w + ox * s
                        for ky in 0..<k {
                            let rowStart = (oy * s + ky) * w + ox * s
                            for kx in 0..<k where src[rowStart + kx] > best {
                                best = src[rowStart + kx]
                                at = rowStart + kx
                            }
                        }
                        dst[oy * ow + ox] = best
                        idx[oy * ow + ox] = Int32(at)
                    }
                }
            }
        }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        guard let dx else { return }
        let arg = UnsafePointer(argmax.pointer), hw = h * w, ohw = oh * ow
        let mask: UnsafePointer<Float>? = masksNonPositiveInputs ? input : nil
        if kernelSize == 2 && stride == 2 {
            // The ReLU's mask read from the pooled values: each is its window's maximum input.
            let pooled: UnsafePointer<Float>? = masksNonPositiveInputs ? UnsafePointer(output.pointer) : nil
            parallelElements(n * c, grain: max(1, 32_768 / hw)) { planes in
                let first = planes.lowerBound
                nk_maxpool2_backward(dy + first * ohw, arg + first * ohw, pooled.map { $0 + first * ohw }, Int32(planes.count),
                                     Int32(h), Int32(w), dx + first * hw)
            }
            return
        }
        parallelElements(n * c, grain: max(1, 32_768 / hw)) { planes in
            let first = planes.lowerBound
            nk_maxpool_backward(dy + first * ohw, arg + first * ohw, mask.map { $0 + first * hw }, Int32(planes.count),
                                Int32(hw), Int32(ohw), dx + first * hw)
        }
    }
}

/// Average pooling: each output is the mean of its window.
public final class AvgPool2D: Pool2D {
    public init(kernelSize: Int = 2, stride: Int? = nil) { super.init(window: kernelSize, stride: stride) }

    public override var label: String { "AvgPool(K=\(kernelSize), S=\(stride))" }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(n * outputCount)
        let k = kernelSize, s = stride, h = h, w = w, oh = oh, ow = ow
        let scale = 1 / Float(k * k)
        parallelElements(n * c, grain: max(1, 16_384 / (h * w))) { planes in
            for q in planes {
                let src = x + q * h * w, dst = y + q * oh * ow
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum: Float = 0
                        for ky in 0..<k {
                            let row = src + (oy * s + ky) * w + ox * s
                            for kx in 0..<k { sum += row[kx] }
                        }
                        dst[oy * ow + ox] = sum * scale
                    }
                }
            }
        }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        guard let dx else { return }
        let k = kernelSize, s = stride, h = h, w = w, oh = oh, ow = ow
        let scale = 1 / Float(k * k)
        parallelElements(n * c, grain: max(1, 16_384 / (h * w))) { planes in
            for q in planes {
                let dst = dx + q * h * w, src = dy + q * oh * ow
                dst.update(repeating: 0, count: h * w)
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let g = src[oy * ow + ox] * scale
                        for ky in 0..<k {
                            let row = dst + (oy * s + ky) * w + ox * s
                            for kx in 0..<k { row[kx] += g }
                        }
                    }
                }
            }
        }
    }
}
