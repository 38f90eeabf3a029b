// swift-tools-version: 6.0
// Classical vs deep image classification, in Swift: one library target per module of the design
// (Tensors, ImageIO, Datasets, Classifiers, BagOfWords, NeuralNetworks, ...), C shims for BLAS and
// the image codecs, one executable per experiment.
import PackageDescription

// Numeric kernels share raw buffers between the worker threads by design; the Swift 5 language
// mode keeps that explicit in the code instead of wrapping every pointer in an @unchecked Sendable box.
let languageMode: [SwiftLanguageMode] = [.v5]
// Bounds checks stay on in debug builds; release builds (everything that trains) drop them.
let optimized: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "ClassicalVsDeep",
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "ImageIO", targets: ["ImageIO"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Classifiers", targets: ["Classifiers"]),
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

        // MARK: - Library modules
        .target(name: "Tensors", dependencies: ["CTensorKernels"], swiftSettings: optimized),
        .target(name: "ImageIO", dependencies: ["Tensors", "CImageCodecs"], swiftSettings: optimized),
        .target(name: "Datasets", dependencies: ["Tensors", "ImageIO"], swiftSettings: optimized),
        .target(name: "Classifiers", dependencies: ["Tensors"], swiftSettings: optimized),
        // (BagOfWords target goes here)
        // (NeuralNetworks target goes here)
        // (benchmark executables of the classical and neural modules go here)

        // MARK: - Executables
        .executableTarget(name: "cvd-bench", dependencies: ["Tensors", argumentParser], path: "benchmarks/gemm",
                          swiftSettings: optimized),

        // MARK: - Tests
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Tensors"]),
        .testTarget(name: "ClassifiersTests", dependencies: ["Classifiers", "Tensors"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"], exclude: ["Fixtures"]),
        // (BagOfWordsTests target goes here)
        // (NeuralNetworksTests target goes here)
    ],
    swiftLanguageModes: languageMode
)
