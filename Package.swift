// swift-tools-version: 6.0
// Classical vs deep image classification, in Swift: one library target per module of the design
// (Tensors, ImageFiles, Datasets, Classifiers, BagOfWords, NeuralNetworks, ...), C shims for BLAS and
// the image codecs, cairo for the figures, one executable per experiment.
import PackageDescription

// Numeric kernels share raw buffers between the worker threads by design; the Swift 5 language
// mode keeps that explicit in the code instead of wrapping every pointer in an @unchecked Sendable box.
let languageMode: [SwiftLanguageMode] = [.v5]
// No target carries unsafe flags (SwiftPM refuses them in a package used as a dependency), so every
// module keeps Swift's overflow and bounds checks in release builds. The hot loops live in the C
// kernels (CTensorKernels, CClassicalKernels, CNeuralKernels, compiled at SwiftPM's release -O2),
// and the few Swift loops that index raw buffers do it through unsafe pointers whose indices come
// from shapes validated on the way in; each such file says so.
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let experimentDependencies: [Target.Dependency] = [
    "Tensors", "ImageFiles", "Datasets", "Classifiers", "BagOfWords", "NeuralNetworks", "Plots", "Experiments", argumentParser,
]

let package = Package(
    name: "ClassicalVsDeep",
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "ImageFiles", targets: ["ImageFiles"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Classifiers", targets: ["Classifiers"]),
        .library(name: "Descriptors", targets: ["Descriptors"]),
        // Also what the fuzz targets (fuzz/, a package of their own) link against.
        .library(name: "NeuralNetworks", targets: ["NeuralNetworks"]),
        // The model catalogue, saved models and the experiments' options (and the fuzz target of a saved model folder).
        .library(name: "Experiments", targets: ["Experiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C shims
        // The one CPU-feature probe every vector kernel asks (CVD_CPU=portable selects the plain loops).
        .target(name: "CCPUFeatures"),
        .target(
            name: "CTensorKernels",
            dependencies: ["CCPUFeatures"],
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]
        ),
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("gif"), .linkedLibrary("z")]
        ),
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        // cairo (Debian's libcairo2-dev): the figures' anti-aliased lines and DejaVu Sans text, drawn
        // once and written on its image surface (PNG, PPM) and its SVG surface.
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),

        // MARK: - Library modules
        .target(name: "Tensors", dependencies: ["CTensorKernels", "CCPUFeatures"]),
        .target(name: "ImageFiles", dependencies: ["Tensors", "CImageCodecs"]),
        .target(name: "Datasets", dependencies: ["Tensors", "ImageFiles", "CZlib"]),
        .target(name: "Classifiers", dependencies: ["Tensors", "CClassicalKernels"]),
        .target(name: "Plots", dependencies: ["Tensors", "ImageFiles", "CCairo"]),
        .target(name: "Experiments", dependencies: ["Tensors", "ImageFiles", "Datasets", "Classifiers", "BagOfWords", "Descriptors", "NeuralNetworks", "Plots", argumentParser]),
        .target(name: "BagOfWords", dependencies: ["Tensors", "Classifiers", "CClassicalKernels"]),
        // Local descriptors (HOG today); they read pixels from Tensors and nothing else.
        .target(name: "Descriptors", dependencies: ["Tensors"]),
        .target(name: "CClassicalKernels", dependencies: ["CCPUFeatures"]),
        .target(name: "CNeuralKernels", dependencies: ["CCPUFeatures"]),
        .target(name: "NeuralNetworks", dependencies: ["Tensors", "Classifiers", "CNeuralKernels"]),
        // (benchmark executables of the classical and neural modules go here)
        .executableTarget(name: "cvd-bench-neural", dependencies: ["Tensors", "Datasets", "Classifiers", "NeuralNetworks", "Experiments", argumentParser], path: "benchmarks/neural"),
        .executableTarget(name: "cvd-bench-classical", dependencies: ["Tensors", "Datasets", "Classifiers", "BagOfWords", "Descriptors", "Experiments", argumentParser], path: "benchmarks/classical"),

        // MARK: - Executables
        // One executable per experiment (experiments/<name>/main.swift states its constants).
        .executableTarget(name: "toy2d", dependencies: experimentDependencies, path: "experiments/toy2d"),
        .executableTarget(name: "graphs", dependencies: experimentDependencies, path: "experiments/graphs"),
        .executableTarget(name: "digits", dependencies: experimentDependencies, path: "experiments/digits"),
        .executableTarget(name: "bovw", dependencies: experimentDependencies, path: "experiments/bovw"),
        .executableTarget(name: "capacity", dependencies: experimentDependencies, path: "experiments/capacity"),
        // The umbrella CLI: train any model of the suite on an image folder, classify images, regenerate results/README.md.
        .executableTarget(name: "cvd", dependencies: experimentDependencies, path: "tools/cvd"),
        .executableTarget(name: "cvd-bench", dependencies: ["Tensors", argumentParser], path: "benchmarks/gemm"),

        // MARK: - Tests
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Tensors"]),
        .testTarget(name: "ClassifiersTests", dependencies: ["Classifiers", "Tensors"], exclude: ["Fixtures"]),
        .testTarget(name: "ImageFilesTests", dependencies: ["ImageFiles"], exclude: ["Fixtures"]),
        // Replays the fuzzers' seed corpus and every input they found (fuzz/corpus, fuzz/regressions).
        .testTarget(name: "FuzzRegressionTests", dependencies: ["ImageFiles", "Datasets", "NeuralNetworks", "Experiments", "Tensors"]),
        // Compares with scikit-image's output committed under Fixtures (benchmarks/reference/hog_reference.py).
        .testTarget(name: "DescriptorsTests", dependencies: ["Descriptors", "Tensors"], exclude: ["Fixtures"]),
        .testTarget(name: "BagOfWordsTests", dependencies: ["BagOfWords", "Classifiers", "Tensors", "Datasets"]),
        .testTarget(name: "NeuralNetworksTests", dependencies: ["NeuralNetworks", "Tensors", "Classifiers", "Datasets"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Plots", "ImageFiles", "Datasets", "Tensors"],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: languageMode
)
