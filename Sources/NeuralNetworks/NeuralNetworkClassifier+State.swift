// A network's learned state as named tensors, for saved models: every parameter under its PyTorch
// `nn.Sequential` name ("0.weight", "0.bias", ...) and, when the inputs are standardized, the
// training statistics ("input.mean", "input.std"). Restoring builds the architecture afresh and
// copies the values in; nothing is trained.
import Classifiers
import Tensors

extension NeuralNetworkClassifier: PersistableClassifier {
    public func learnedState() throws -> [String: Tensor] {
        guard let model else { throw ClassifierError.notFitted(model: name) }
        var state: [String: Tensor] = [:]
        for (n, p) in model.namedParameters {
            state[n] = Tensor(shape: p.shape, data: Array(UnsafeBufferPointer(start: p.value, count: p.count)))
        }
        if !inputMean.isEmpty {
            state["input.mean"] = Tensor(shape: [inputMean.count], data: inputMean)
            state["input.std"] = Tensor(shape: [inputStd.count], data: inputStd)
        }
        return state
    }

    public mutating func restore(from state: [String: Tensor], classCount: Int) throws {
        func bad(_ reason: String) -> ClassifierError { .invalidData(model: name, reason: reason) }
        guard classCount >= 2 else { throw bad("needs at least 2 classes, got \(classCount)") }
        // The input width: the image shape's, or (flat rows) the first weight's second side.
        let inputs: Int
        if let shape = imageShape {
            inputs = shape.reduce(1, *)
        } else if let w = state["0.weight"], w.rank == 2 {
            inputs = w.shape[1]
        } else {
            throw bad("state tensor \"0.weight\" is missing or not a matrix, so the network's input width is unknown")
        }
        let network = try architecture.build(inputShape: imageShape ?? [inputs], classes: classCount, seed: options.seed)
        let names = Set(network.namedParameters.map(\.name) + (inputNormalization == .none ? [] : ["input.mean", "input.std"]))
        if let extra = state.keys.sorted().first(where: { !names.contains($0) }) {
            throw bad("state tensor \"\(extra)\" does not belong to this network (\(network.namedParameters.count) parameter tensors)")
        }
        for (n, p) in network.namedParameters {
            guard let t = state[n] else { throw bad("state tensor \"\(n)\" is missing") }
            guard t.shape == p.shape else {
                throw bad("state tensor \"\(n)\" has shape \(shapeText(t.shape)) but the network's is \(shapeText(p.shape))")
            }
            guard t.data.allSatisfy(\.isFinite) else { throw bad("state tensor \"\(n)\" holds NaN or infinite values") }
            t.data.withUnsafeBufferPointer { if let v = $0.baseAddress { p.value.update(from: v, count: p.count) } }   // empty: nothing to copy
        }
        let mean = state["input.mean"]?.data ?? [], std = state["input.std"]?.data ?? []
        self = try NeuralNetworkClassifier.restored(name: name, architecture: architecture, imageShape: imageShape,
                                                    inputNormalization: inputNormalization, options: options, network: network,
                                                    inputMean: mean, inputStd: std)
    }
}
