// swift-tools-version: 6.0
// Classical vs deep image classification, in Swift: one library target per module of the design
// (Tensors, ImageIO, Datasets, Classifiers, BagOfWords, NeuralNetworks, ...), C shims for BLAS and
// the image codecs, one executable per experiment.
import PackageDescription

// Numeric kernels share raw buffers between the worker threads by design; the Swift 5 language
// mode keeps that explicit in the code instead of wrapping every pointer in an @unchecked Sendable box.
let languageMode: [SwiftLanguageMode] = [.v5]
// The numeric modules (Tensors, Classifiers, BagOfWords, NeuralNetworks) drop Swift's overflow and
// bounds checks in release builds: their indices come only from shapes validated on the way in.
let optimized: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
// Everything that parses, loads or handles user input (Datasets, ImageIO, Experiments with the saved
// models and the options, the executables) keeps them: a hostile file traps instead of overflowing.
let checked: [SwiftSetting] = []
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let experimentDependencies: [Target.Dependency] = [
    "Tensors", "ImageIO", "Datasets", "Classifiers", "BagOfWords", "NeuralNetworks", "Plots", "Experiments", argumentParser,
]

let package = Package(
    name: "ClassicalVsDeep",
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "ImageIO", targets: ["ImageIO"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Classifiers", targets: ["Classifiers"]),
        // Also what the fuzz targets (fuzz/, a package of their own) link against.
        .library(name: "NeuralNetworks", targets: ["NeuralNetworks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C shims
        .target(
            name: "CTensorKernels",
            cSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]
        ),
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),

        // MARK: - Library modules
        .target(name: "Tensors", dependencies: ["CTensorKernels"], swiftSettings: optimized),
        .target(name: "ImageIO", dependencies: ["Tensors", "CImageCodecs"], swiftSettings: checked),
        .target(name: "Datasets", dependencies: ["Tensors", "ImageIO", "CZlib"], swiftSettings: checked),
        .target(name: "Classifiers", dependencies: ["Tensors", "CClassicalKernels"], swiftSettings: optimized),
        .target(name: "Plots", dependencies: ["Tensors", "ImageIO"], swiftSettings: optimized),
        .target(name: "Experiments", dependencies: ["Tensors", "ImageIO", "Datasets", "Classifiers", "BagOfWords", "NeuralNetworks", "Plots", argumentParser],
                swiftSettings: checked),
        .target(name: "BagOfWords", dependencies: ["Tensors", "Classifiers", "CClassicalKernels"], swiftSettings: optimized),
        .target(name: "CClassicalKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "CNeuralKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "NeuralNetworks", dependencies: ["Tensors", "Classifiers", "CNeuralKernels"], swiftSettings: optimized),
        // (benchmark executables of the classical and neural modules go here)
        .executableTarget(name: "cvd-bench-neural", dependencies: ["Tensors", "Datasets", "Classifiers", "NeuralNetworks", "Experiments", argumentParser], path: "benchmarks/neural", swiftSettings: optimized),
        .executableTarget(name: "cvd-bench-classical", dependencies: ["Tensors", "Datasets", "Classifiers", "BagOfWords", "Experiments", argumentParser], path: "benchmarks/classical", swiftSettings: optimized),

        // MARK: - Executables
        // One executable per experiment (experiments/<name>/main.swift states its constants).
        .executableTarget(name: "toy2d", dependencies: experimentDependencies, path: "experiments/toy2d", swiftSettings: checked),
        .executableTarget(name: "digits", dependencies: experimentDependencies, path: "experiments/digits", swiftSettings: checked),
        .executableTarget(name: "bovw", dependencies: experimentDependencies, path: "experiments/bovw", swiftSettings: checked),
        .executableTarget(name: "capacity", dependencies: experimentDependencies, path: "experiments/capacity", swiftSettings: checked),
        // The umbrella CLI: train any model of the suite on an image folder, classify images, regenerate results/README.md.
        .executableTarget(name: "cvd", dependencies: experimentDependencies, path: "tools/cvd", swiftSettings: checked),
        .executableTarget(name: "cvd-bench", dependencies: ["Tensors", argumentParser], path: "benchmarks/gemm",
                          swiftSettings: optimized),

        // MARK: - Tests
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Tensors"]),
        .testTarget(name: "ClassifiersTests", dependencies: ["Classifiers", "Tensors"], exclude: ["Fixtures"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"], exclude: ["Fixtures"]),
        // Replays the fuzzers' seed corpus and every input they found (fuzz/corpus, fuzz/regressions).
        .testTarget(name: "FuzzRegressionTests", dependencies: ["ImageIO", "Datasets", "NeuralNetworks"]),
        .testTarget(name: "BagOfWordsTests", dependencies: ["BagOfWords", "Classifiers", "Tensors", "Datasets"]),
        .testTarget(name: "NeuralNetworksTests", dependencies: ["NeuralNetworks", "Tensors", "Classifiers", "Datasets"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Plots", "ImageIO", "Datasets", "Tensors"]),
    ],
    swiftLanguageModes: languageMode
)
