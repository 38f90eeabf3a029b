// Ready-made networks: the MLP and CNN builders and LeNet-5 as in the lectures' table.
import Tensors

/// The activation functions the builders can place between layers.
public enum Activation: String, Sendable, Equatable, CaseIterable {
    case relu, sigmoid, tanh, leakyReLU
    /// The lectures' name for the sigmoid.
    public static let logistic = Activation.sigmoid

    public func makeLayer() -> Layer {
        switch self {
        case .relu: return ReLU()
        case .sigmoid: return Sigmoid()
        case .tanh: return Tanh()
        case .leakyReLU: return LeakyReLU(0.01)
        }
    }

    /// He initialization for the ReLU family, Xavier for the saturating functions.
    public var initialization: WeightInitialization {
        switch self {
        case .relu, .leakyReLU: return .he
        case .sigmoid, .tanh: return .xavier
        }
    }
}

/// One convolution stage of `Models.cnn`: Conv → optional batch norm → activation → optional
/// max-pooling. A stage without pooling followed by one with it gives VGG's "two convolutions,
/// then a pool".
public struct ConvolutionStage: Sendable, Equatable {
    public var channels: Int
    public var kernelSize: Int
    public var padding: Int
    public var stride: Int
    /// Side of the max-pooling window after the activation (nil: no pooling).
    public var pool: Int?
    /// Batch normalization (per channel, over N×H×W) between the convolution and the activation.
    public var batchNorm: Bool

    public init(channels: Int, kernelSize: Int, padding: Int = 0, stride: Int = 1, pool: Int? = 2, batchNorm: Bool = false) {
        self.channels = channels
        self.kernelSize = kernelSize
        self.padding = padding
        self.stride = stride
        self.pool = pool
        self.batchNorm = batchNorm
    }
}

/// Builders of the suite's networks. Each returns a built, seeded `Sequential`.
public enum Models {
    /// A multilayer perceptron: inputs → [Dense(h) → activation] for each hidden size → Dense(outputs).
    /// The output layer gives raw scores for `SoftmaxCrossEntropy`; add `outputActivation: .sigmoid`
    /// for `BinaryCrossEntropy`.
    public static func mlp(inputs: Int, hidden: [Int], activation: Activation = .relu, outputs: Int,
                           outputActivation: Activation? = nil, seed: UInt64 = 0) throws -> Sequential {
        var layers: [Layer] = []
        for h in hidden {
            layers.append(Dense(outputs: h, initialization: activation.initialization))
            layers.append(activation.makeLayer())
        }
        layers.append(Dense(outputs: outputs, initialization: outputActivation?.initialization ?? .xavier))
        if let a = outputActivation { layers.append(a.makeLayer()) }
        let model = try Sequential(inputShape: [inputs], layers)
        model.initialize(seed: seed)
        return model
    }

    /// A convolutional network: the stages, then Flatten, [Dense(h) → activation] per hidden size,
    /// and Dense(classes).
    public static func cnn(inputShape: [Int], stages: [ConvolutionStage], hidden: [Int], classes: Int,
                           activation: Activation = .relu, seed: UInt64 = 0) throws -> Sequential {
        var layers: [Layer] = []
        for s in stages {
            layers.append(Conv2D(outChannels: s.channels, kernelSize: s.kernelSize, stride: s.stride, padding: s.padding,
                                 initialization: activation.initialization))
            if s.batchNorm { layers.append(BatchNorm()) }
            layers.append(activation.makeLayer())
            if let p = s.pool { layers.append(MaxPool2D(kernelSize: p)) }
        }
        layers.append(Flatten())
        for h in hidden {
            layers.append(Dense(outputs: h, initialization: activation.initialization))
            layers.append(activation.makeLayer())
        }
        layers.append(Dense(outputs: classes, initialization: .xavier))
        let model = try Sequential(inputShape: inputShape, layers)
        model.initialize(seed: seed)
        return model
    }

    /// LeNet-5 as in the lectures' table (after LeCun, Bottou, Bengio & Haffner, "Gradient-based
    /// learning applied to document recognition", Proc. IEEE 86(11), 1998):
    /// Conv(20, K5, P2) → ReLU → MaxPool(2) → Conv(50, K5, P2) → ReLU → MaxPool(2) → Flatten(2450)
    /// → Linear(500) → ReLU → Linear(10).
    ///
    /// Deviations from the 1998 network, all taken from the lectures' table: ReLU instead of the
    /// scaled tanh; max-pooling instead of the trainable subsampling layers; padding 2 on both
    /// convolutions (the original took 32×32 inputs without padding); 20 and 50 filters instead of 6
    /// and 16 with full connections between maps (no C3 connection table); a 500-unit hidden layer
    /// instead of C5(120) → F6(84); a plain linear output for softmax cross-entropy instead of the
    /// Euclidean RBF units. Weights are He-initialized.
    public static func lenet5(inputShape: [Int] = [1, 28, 28], classes: Int = 10, seed: UInt64 = 0) throws -> Sequential {
        try cnn(inputShape: inputShape,
                stages: [ConvolutionStage(channels: 20, kernelSize: 5, padding: 2, pool: 2),
                         ConvolutionStage(channels: 50, kernelSize: 5, padding: 2, pool: 2)],
                hidden: [500], classes: classes, activation: .relu, seed: seed)
    }

    /// The stages of a small VGG network (after Simonyan & Zisserman, "Very deep convolutional
    /// networks for large-scale image recognition", ICLR 2015, with the batch norm of its later
    /// "_bn" variants): two blocks of two 3×3 convolutions (padding 1, each followed by batch norm
    /// and ReLU), each block ending in 2×2 max-pooling; `width` channels in the first block and
    /// twice as many in the second.
    ///
    /// Deviations from VGG-16: two blocks instead of five (28×28 inputs leave 7×7 after two
    /// poolings), far fewer channels (VGG-16 starts at 64 and doubles to 512), and one hidden
    /// dense layer instead of two of 4,096 units, without dropout.
    public static func vggStages(width: Int) -> [ConvolutionStage] {
        [ConvolutionStage(channels: width, kernelSize: 3, padding: 1, pool: nil, batchNorm: true),
         ConvolutionStage(channels: width, kernelSize: 3, padding: 1, pool: 2, batchNorm: true),
         ConvolutionStage(channels: 2 * width, kernelSize: 3, padding: 1, pool: nil, batchNorm: true),
         ConvolutionStage(channels: 2 * width, kernelSize: 3, padding: 1, pool: 2, batchNorm: true)]
    }

    /// The small VGG network of `vggStages(width:)`, then Flatten → Linear(hidden) → ReLU → Linear(classes).
    public static func vggSmall(inputShape: [Int] = [1, 28, 28], width: Int = 32, hidden: Int = 256, classes: Int = 10,
                                seed: UInt64 = 0) throws -> Sequential {
        try cnn(inputShape: inputShape, stages: vggStages(width: width), hidden: [hidden], classes: classes, activation: .relu, seed: seed)
    }
}
