// LeNet-5 on the generated colour shapes with per-channel standardized inputs: at the old
// learning rate (SGD with momentum, 0.05) the standardized inputs kill the network within a few
// epochs (the loss sits at ln 4 and every image gets one class, the reported symptom); the divergence watch
// catches it and the restart at a third of the rate learns.
import Classifiers
import Datasets
import NeuralNetworks
import Tensors
import XCTest

final class ShapesTrainingTests: XCTestCase {
    private func lenet(restarts: Int) -> NeuralNetworkClassifier {
        let options = TrainingOptions(epochs: 10, batchSize: 32, learningRate: 0.05, optimizer: .momentum, schedule: .cosine(), seed: 0,
                                      augmentation: .randomShift(pixels: 2), divergenceRestarts: restarts)
        return NeuralNetworkClassifier.lenet5(imageShape: [3, 32, 32], options: options, inputNormalization: .perChannel(channels: 3))
    }

    func testStandardizedShapesAtTheOldRateDivergeAndTheRestartLearns() throws {
        let train = try ShapeImages.dataset(perClass: 100, side: 32, seed: 1)
        let test = try ShapeImages.dataset(perClass: 25, side: 32, seed: 2)
        var c = lenet(restarts: 2)
        try c.fit(train.features, train.labels, classCount: 4, test: (test.features, test.labels))
        // Measured: dead (one class for every image, the loss flat at ln 4 for 3 epochs) by epoch 9 at 0.05,
        // then 0.54 test accuracy at 0.0167 (chance: 0.25).
        XCTAssertEqual(c.divergences.map(\.kind), [.stuckAtChance])
        XCTAssertEqual(c.divergences.first?.epoch, 9)
        XCTAssertEqual(c.learningRateUsed, 0.05 / 3)
        XCTAssertGreaterThanOrEqual(try c.score(test.features, test.labels), 0.45)
        // The inputs were standardized with the training images' statistics.
        XCTAssertEqual(c.inputMean.count, 3)
        XCTAssertTrue(c.inputStd.allSatisfy { $0 > 0.05 && $0 < 0.5 }, "\(c.inputStd)")
    }
}
