// Every layer's backward pass against central finite differences, for the input and the parameters.
import NeuralNetworks
import Tensors
import XCTest

final class LayerGradientTests: XCTestCase {
    func testDense() throws {
        let layer = Dense(outputs: 4)
        try layer.build(inputShape: [5])
        randomizeParameters(layer, seed: 1)
        try checkLayerGradients(layer, input: randomTensor([3, 5], seed: 2))
    }

    /// Enough outputs and samples that yᵀ is transposed in whole 16 × 16 blocks and in edges.
    func testWideDense() throws {
        let layer = Dense(outputs: 20)
        try layer.build(inputShape: [7])
        randomizeParameters(layer, seed: 3)
        try checkLayerGradients(layer, input: randomTensor([18, 7], seed: 4))
    }

    /// The dense layer's transpose, max-pooling and the fused ReLU mask without AVX-512.
    func testDenseAndPoolingOnThePortablePath() throws {
        try CPUFeatures.withLimit(.portable) {
            try testWideDense()
            try testMaxPool()
            try testFusedReLUMaxPoolMatchesSeparateLayers()
        }
    }

    func testConv2DPaddedStrideOne() throws {
        let layer = Conv2D(outChannels: 3, kernelSize: 3, stride: 1, padding: 1)
        try layer.build(inputShape: [2, 5, 5])
        randomizeParameters(layer, seed: 3)
        try checkLayerGradients(layer, input: randomTensor([2, 2, 5, 5], seed: 4))
    }

    func testConv2DStrideTwo() throws {
        let layer = Conv2D(inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, padding: 1)
        try layer.build(inputShape: [2, 6, 5])
        randomizeParameters(layer, seed: 5)
        try checkLayerGradients(layer, input: randomTensor([3, 2, 6, 5], seed: 6))
    }

    func testConv2DManySamplesSpanChunks() throws {
        // 2×2 output pixels per sample: chunks of many samples, several chunks per batch.
        let layer = Conv2D(outChannels: 2, kernelSize: 2, stride: 1, padding: 0)
        try layer.build(inputShape: [1, 3, 3])
        randomizeParameters(layer, seed: 7)
        try checkLayerGradients(layer, input: randomTensor([300, 1, 3, 3], seed: 8), tolerance: Tolerance(absolute: 5e-3, relative: 2e-2))
    }

    /// im2col and col2im without AVX-512: the convolutions' gradients still match finite differences.
    func testConv2DOnThePortablePath() throws {
        try CPUFeatures.withLimit(.portable) {
            try testConv2DPaddedStrideOne()
            try testConv2DStrideTwo()
        }
    }

    func testMaxPool() throws {
        let input = Tensor(shape: [2, 2, 4, 6], data: separatedValues(96, seed: 9))
        try checkLayerGradients(MaxPool2D(kernelSize: 2), input: input)
        // Odd sides: the last row and column lie outside every window and get no gradient.
        try checkLayerGradients(MaxPool2D(kernelSize: 2), input: Tensor(shape: [2, 2, 5, 7], data: separatedValues(140, seed: 14)))
        let overlapping = Tensor(shape: [1, 1, 5, 5], data: separatedValues(25, seed: 10))
        try checkLayerGradients(MaxPool2D(kernelSize: 3, stride: 2), input: overlapping)
    }

    func testAvgPool() throws {
        try checkLayerGradients(AvgPool2D(kernelSize: 2), input: randomTensor([2, 3, 4, 4], seed: 11))
        try checkLayerGradients(AvgPool2D(kernelSize: 3, stride: 1), input: randomTensor([1, 2, 4, 5], seed: 12))
    }

    func testFlatten() throws {
        try checkLayerGradients(Flatten(), input: randomTensor([2, 3, 2, 2], seed: 13))
    }

    func testActivations() throws {
        let input = Tensor(shape: [3, 8], data: separatedValues(24, gap: 0.1, seed: 14))
        try checkLayerGradients(ReLU(), input: input)
        try checkLayerGradients(LeakyReLU(0.1), input: input)
        try checkLayerGradients(Sigmoid(), input: input)
        try checkLayerGradients(Tanh(), input: input)
    }

    func testBatchNormOnFeaturesAndChannels() throws {
        let dense = BatchNorm()
        try dense.build(inputShape: [4])
        randomizeParameters(dense, seed: 15)
        try checkLayerGradients(dense, input: randomTensor([6, 4], seed: 16), step: 1e-2, tolerance: Tolerance(absolute: 5e-3, relative: 3e-2))
        let conv = BatchNorm()
        try conv.build(inputShape: [2, 3, 3])
        randomizeParameters(conv, seed: 17)
        try checkLayerGradients(conv, input: randomTensor([3, 2, 3, 3], seed: 18), step: 1e-2, tolerance: Tolerance(absolute: 5e-3, relative: 3e-2))
        // Inference mode is an affine map with the running statistics.
        try checkLayerGradients(conv, input: randomTensor([2, 2, 3, 3], seed: 19), training: false)
    }

    func testBatchNormOnConvolutionOutputsInTraining() throws {
        // The conv layout of vgg-small: 5×5 planes (25 values per sample and channel: full 8-value
        // lanes and a remainder), several samples, channels whose statistics differ.
        let layer = BatchNorm()
        try layer.build(inputShape: [3, 5, 5])
        randomizeParameters(layer, seed: 25)
        var x = randomTensor([4, 3, 5, 5], seed: 26)
        for i in 0..<x.count where (i / 25) % 3 == 1 { x.data[i] = 3 + 2 * x.data[i] }   // channel 1: mean 3, wider spread
        try checkLayerGradients(layer, input: x, step: 1e-2, tolerance: Tolerance(absolute: 5e-3, relative: 3e-2))
    }

    func testDropoutGradientFollowsItsMask() throws {
        let layer = Dropout(0.5)
        try layer.build(inputShape: [200])
        var rng = Xoshiro256(seed: 1)
        layer.initialize(using: &rng)
        let x = Tensor(shape: [2, 200], data: separatedValues(400, seed: 20))
        let y = try layer.forward(x, training: true)
        let dy = randomTensor([2, 200], seed: 21)
        let dx = try layer.backward(dy)
        var dropped = 0
        for i in 0..<x.count {
            let scale = y.data[i] / x.data[i]  // 0 or 1/(1 − p) = 2
            XCTAssertTrue(scale == 0 || abs(scale - 2) < 1e-5, "mask value \(scale)")
            XCTAssertEqual(dx.data[i], dy.data[i] * scale, accuracy: 1e-6)
            if scale == 0 { dropped += 1 }
        }
        XCTAssertTrue((120...280).contains(dropped), "dropped \(dropped) of 400 at p = 0.5")
        // Inference: the identity, forward and backward.
        XCTAssertEqual(try layer.forward(x, training: false), x)
        XCTAssertEqual(try layer.backward(dy), dy)
    }

    /// In a network, ReLU → MaxPool share one backward pass (the pooling applies the ReLU's mask):
    /// the gradients must equal those of the same layers driven one by one.
    func testFusedReLUMaxPoolMatchesSeparateLayers() throws {
        func layers() -> [Layer] { [Conv2D(outChannels: 3, kernelSize: 3, padding: 1), ReLU(), MaxPool2D(kernelSize: 2), Flatten(), Dense(outputs: 4)] }
        let model = try Sequential(inputShape: [2, 6, 6], layers())
        model.initialize(seed: 8)
        let x = randomTensor([5, 2, 6, 6], seed: 23)
        let dy = randomTensor([5, 4], seed: 24)
        let y = try model.forward(x, training: true)
        let dx: [Float] = dy.data.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: model.backward($0.baseAddress!, inputGradient: true)!, count: x.count)) }

        let separate = layers()
        var h = x
        for (layer, trained) in zip(separate, model.layers) {
            try layer.build(inputShape: trained.inputShape)
            for (p, q) in zip(layer.parameters, trained.parameters) { p.values = q.values }
            h = try layer.forward(h, training: true)
        }
        XCTAssertEqual(h, y)
        var g = dy
        for layer in separate.reversed() { g = try layer.backward(g) }
        XCTAssertEqual(g.data, dx, "dL/dx")
        for (p, q) in zip(separate.flatMap(\.parameters), model.parameters) { XCTAssertEqual(p.gradients, q.gradients, p.name) }
    }

    func testWholeNetworkInputGradient() throws {
        let model = try Sequential(inputShape: [1, 6, 6], [
            Conv2D(outChannels: 2, kernelSize: 3, padding: 1), Tanh(), AvgPool2D(kernelSize: 2),
            Flatten(), Dense(outputs: 3), Sigmoid(),
        ])
        model.initialize(seed: 3)
        let x = randomTensor([2, 1, 6, 6], seed: 22)
        var rng = Xoshiro256(seed: 5)
        let r = (0..<6).map { _ in rng.uniform(-1, 1) }
        _ = try model.forward(x, training: true)
        let dx: [Float] = r.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: model.backward($0.baseAddress!, inputGradient: true)!, count: x.count)) }
        var numeric = [Float]()
        for i in 0..<x.count {
            var p = x, m = x
            p.data[i] += 1e-2
            m.data[i] -= 1e-2
            numeric.append(Float((projection(try model.forward(p), r) - projection(try model.forward(m), r)) / 2e-2))
        }
        assertClose(dx, numeric, absolute: 1e-3, relative: 2e-2, "network dL/dx")
    }
}
