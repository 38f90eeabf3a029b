// Forward passes with fixed weights against values computed by hand, one per layer kind.
import Foundation
import NeuralNetworks
import Tensors
import XCTest

final class ForwardValueTests: XCTestCase {
    func testDenseWithFixedWeights() throws {
        let layer = Dense(outputs: 3)
        try layer.build(inputShape: [2])
        layer.weight.values = [1, 2, 3, 4, -1, 0]  // rows: outputs, columns: inputs
        layer.bias.values = [0.5, -0.5, 2]
        let y = try layer.forward(Tensor(shape: [2, 2], data: [1, -1, 2, 0.5]))
        // Sample 1: (1 − 2 + 0.5, 3 − 4 − 0.5, −1 + 2); sample 2: (2 + 1 + 0.5, 6 + 2 − 0.5, −2 + 2)
        assertClose(y.data, [-0.5, -1.5, 1, 3.5, 7.5, 0], absolute: 1e-6, relative: 0, "Dense")
    }

    func testConvolutionWithFixedWeights() throws {
        // One 3×3 channel 1...9, a 2×2 kernel of ones and bias 0.5, no padding: each output is the
        // sum of a 2×2 window plus 0.5.
        let plain = Conv2D(outChannels: 1, kernelSize: 2)
        try plain.build(inputShape: [1, 3, 3])
        plain.weight.values = [1, 1, 1, 1]
        plain.bias.values = [0.5]
        let x = Tensor(shape: [1, 1, 3, 3], data: (1...9).map(Float.init))
        XCTAssertEqual(try plain.forward(x).data, [12.5, 16.5, 24.5, 28.5])

        // Padding 1, stride 2, kernel [[1, 0], [0, −1]] (top-left minus bottom-right), two filters
        // (the second is twice the first, bias 1): outputs at padded (0,0), (0,2), (2,0), (2,2).
        let strided = Conv2D(outChannels: 2, kernelSize: 2, stride: 2, padding: 1)
        try strided.build(inputShape: [1, 3, 3])
        strided.weight.values = [1, 0, 0, -1, 2, 0, 0, -2]
        strided.bias.values = [0, 1]
        let y = try strided.forward(x)
        XCTAssertEqual(y.shape, [1, 2, 2, 2])
        // Window at padded (0,0): top-left 0 (padding), bottom-right x[0,0] = 1 → −1; at (0,2): 0 − x[0,2] = −3;
        // at (2,0): 0 − x[2,0] = −7; at (2,2): x[1,1] − x[2,2] = 5 − 9 = −4.
        XCTAssertEqual(y.data, [-1, -3, -7, -4, -1, -5, -13, -7])

        // Two input channels are summed: channel 2 = 10 × channel 1, kernel of ones on both.
        let twoChannels = Conv2D(outChannels: 1, kernelSize: 3)
        try twoChannels.build(inputShape: [2, 3, 3])
        twoChannels.weight.values = [Float](repeating: 1, count: 18)
        let x2 = Tensor(shape: [1, 2, 3, 3], data: (1...9).map(Float.init) + (1...9).map { Float($0 * 10) })
        XCTAssertEqual(try twoChannels.forward(x2).data, [495])  // 45 + 450
    }

    func testPoolingWithFixedInput() throws {
        let x = Tensor(shape: [1, 1, 4, 4], data: [1, 5, 2, 0,
                                                   3, 4, 8, 1,
                                                   0, 0, 3, 3,
                                                   -1, 2, 3, 3])
        XCTAssertEqual(try MaxPool2D(kernelSize: 2).forward(x).data, [5, 8, 2, 3])
        XCTAssertEqual(try AvgPool2D(kernelSize: 2).forward(x).data, [3.25, 2.75, 0.25, 3])
        XCTAssertEqual(try MaxPool2D(kernelSize: 3, stride: 1).forward(x).data, [8, 8, 8, 8])
        // The gradient goes to the maximum, the first one on a tie (row-major order).
        let pool = MaxPool2D(kernelSize: 2)
        _ = try pool.forward(x)
        let dx = try pool.backward(Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4]))
        XCTAssertEqual(dx.data, [0, 1, 0, 0,
                                 0, 0, 2, 0,
                                 0, 0, 4, 0,
                                 0, 3, 0, 0])
    }

    func testActivationsAtKnownPoints() throws {
        let x = Tensor(shape: [1, 4], data: [-2, 0, 1, 3])
        XCTAssertEqual(try ReLU().forward(x).data, [0, 0, 1, 3])
        XCTAssertEqual(try LeakyReLU(0.1).forward(x).data, [-0.2, 0, 1, 3])
        assertClose(try Sigmoid().forward(x).data, [0.11920292, 0.5, 0.7310586, 0.95257413], absolute: 1e-6, relative: 0, "Sigmoid")
        assertClose(try Tanh().forward(x).data, [-0.9640276, 0, 0.7615942, 0.9950548], absolute: 1e-6, relative: 0, "Tanh")
    }

    func testBatchNormUsesBatchStatisticsThenRunningOnes() throws {
        let layer = BatchNorm()
        try layer.build(inputShape: [1])
        layer.gamma.values = [2]
        layer.beta.values = [1]
        // x = 1, 2, 3: μ = 2, σ² = 2/3 (biased), x̂ = (x − 2)/√(2/3 + 1e-5).
        let y = try layer.forward(Tensor(shape: [3, 1], data: [1, 2, 3]), training: true)
        let s = Float(1 / (2.0 / 3 + 1e-5).squareRoot())
        assertClose(y.data, [1 - 2 * s, 1, 1 + 2 * s], absolute: 1e-5, relative: 0, "BatchNorm training")
        // Running estimates after one batch (momentum 0.1, unbiased variance 1): mean 0.2, variance 1.
        assertClose(layer.runningMean.values, [0.2], absolute: 1e-6, relative: 0, "running mean")
        assertClose(layer.runningVariance.values, [1], absolute: 1e-6, relative: 0, "running variance")
        let z = try layer.forward(Tensor(shape: [1, 1], data: [1.2]), training: false)
        assertClose(z.data, [2 * 1 / Float((1 + 1e-5).squareRoot()) + 1], absolute: 1e-5, relative: 0, "BatchNorm inference")
    }

    func testBatchNormOnImagesTakesOneStatisticPerChannelOverSamplesAndPixels() throws {
        // N = 2 samples, C = 2 channels, 1×2 pixels: channel 0 holds 1, 2 | 3, 4 (μ = 2.5, σ² = 1.25),
        // channel 1 holds 10, 10 | 10, 14 (μ = 11, σ² = 3); the other channel's values must not leak in.
        let layer = BatchNorm()
        try layer.build(inputShape: [2, 1, 2])
        layer.gamma.values = [1, 3]
        layer.beta.values = [0, -1]
        let x = Tensor(shape: [2, 2, 1, 2], data: [1, 2, 10, 10, 3, 4, 10, 14])
        let y = try layer.forward(x, training: true)
        let s0 = Float(1 / (1.25 + 1e-5).squareRoot()), s1 = Float(1 / (3 + 1e-5).squareRoot())
        assertClose(y.data, [-1.5 * s0, -0.5 * s0, 3 * -1 * s1 - 1, 3 * -1 * s1 - 1,
                             0.5 * s0, 1.5 * s0, 3 * -1 * s1 - 1, 3 * 3 * s1 - 1], absolute: 1e-5, relative: 0, "BatchNorm training on images")
        // Running estimates (momentum 0.1) with the unbiased variances 5/3 and 4 over the 4 values of each channel.
        assertClose(layer.runningMean.values, [0.25, 1.1], absolute: 1e-6, relative: 0, "running means")
        assertClose(layer.runningVariance.values, [0.9 + 0.1 * 5 / 3, 0.9 + 0.4], absolute: 1e-6, relative: 0, "running variances")
        // Evaluation uses the running estimates, not the batch's: a batch of one constant image
        // (whose own variance is 0) is mapped by γ(x − running mean)/√(running var + ε) + β.
        let z = try layer.forward(Tensor(shape: [1, 2, 1, 2], data: [1, 1, 2, 2]), training: false)
        let r0 = (1 - 0.25) / Float((0.9 + 0.1 * 5 / 3 + 1e-5).squareRoot()), r1 = 3 * (2 - 1.1) / Float((1.3 + 1e-5).squareRoot()) - 1
        assertClose(z.data, [r0, r0, r1, r1], absolute: 1e-5, relative: 0, "BatchNorm evaluation on images")
        assertClose(layer.runningMean.values, [0.25, 1.1], absolute: 0, relative: 0, "evaluation leaves the running means alone")
    }

    func testDropoutKeepsTheExpectedValue() throws {
        let layer = Dropout(0.25)
        try layer.build(inputShape: [10_000])
        var rng = Xoshiro256(seed: 4)
        layer.initialize(using: &rng)
        let y = try layer.forward(Tensor(shape: [1, 10_000], repeating: 1), training: true)
        let kept = y.data.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 4.0 / 3) < 1e-6 }, "survivors are scaled by 1/(1 − p)")
        XCTAssertEqual(Double(kept.count) / 10_000, 0.75, accuracy: 0.02)
    }

    func testSequentialNamesParametersAsPyTorch() throws {
        let model = try Models.lenet5(seed: 1)
        XCTAssertEqual(model.namedParameters.map(\.name),
                       ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"])
        XCTAssertEqual(model.namedParameters.map(\.parameter.shape),
                       [[20, 1, 5, 5], [20], [50, 20, 5, 5], [50], [500, 2450], [500], [10, 500], [10]])
    }
}

final class AugmentationTests: XCTestCase {
    func testShiftMovesPixelsAndFillsZeros() throws {
        // 2 channels of 3×3: 1...9 and 11...19, moved one row down and one column left.
        let image = Tensor(shape: [2, 3, 3], data: (1...9).map(Float.init) + (11...19).map(Float.init))
        XCTAssertEqual(try ImageAugmentation.shifted(image, dy: 1, dx: -1).data, [0, 0, 0, 2, 3, 0, 5, 6, 0,
                                                                             0, 0, 0, 12, 13, 0, 15, 16, 0])
        XCTAssertEqual(try ImageAugmentation.shifted(image, dy: -2, dx: 2).data, [0, 0, 7, 0, 0, 0, 0, 0, 0,
                                                                             0, 0, 17, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try ImageAugmentation.shifted(image, dy: 0, dx: 0), image)
        XCTAssertEqual(try ImageAugmentation.shifted(image, dy: 0, dx: 5).data, [Float](repeating: 0, count: 18))
        XCTAssertThrowsError(try ImageAugmentation.shifted(Tensor(shape: [9], repeating: 1), dy: 1, dx: 0))
    }
}
