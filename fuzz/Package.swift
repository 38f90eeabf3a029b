// swift-tools-version: 6.0
// libFuzzer targets for every parser of the suite, in a package of their own so that the main
// package's `swift build` and `swift test` never see a fuzzer entry point. Built and run by
// `make fuzz` (see the Makefile) with `-sanitize=fuzzer,address`; each target is a file whose
// `LLVMFuzzerTestOneInput` libFuzzer calls, with no main of its own (libFuzzer brings it).
import PackageDescription

// libFuzzer supplies `main`: the targets are compiled as libraries' code, not as scripts.
let entryPointFromFuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

func fuzzTarget(_ name: String, _ products: [String], support: Bool = false) -> Target {
    .executableTarget(name: "fuzz-\(name)",
                      dependencies: products.map { .product(name: $0, package: "ClassicalVsDeep") }
                          + (support ? ["FuzzSupport"] : []),
                      path: "Targets/\(name)", swiftSettings: entryPointFromFuzzer)
}

let package = Package(
    name: "ClassicalVsDeepFuzz",
    dependencies: [.package(name: "ClassicalVsDeep", path: "..")],
    targets: [
        // The checks the image targets share.
        .target(name: "FuzzSupport", dependencies: [.product(name: "ImageFiles", package: "ClassicalVsDeep")],
                path: "Targets/support"),
        fuzzTarget("png", ["ImageFiles"], support: true),
        fuzzTarget("jpeg", ["ImageFiles"], support: true),
        fuzzTarget("pnm", ["ImageFiles"], support: true),
        fuzzTarget("idx", ["Datasets"]),
        fuzzTarget("idx-gzip", ["Datasets"]),
        fuzzTarget("csv", ["Datasets"]),
        fuzzTarget("safetensors", ["NeuralNetworks"]),
        fuzzTarget("model", ["Experiments", "Tensors"]),
        fuzzTarget("exif", ["ImageFiles"]),
    ],
    swiftLanguageModes: [.v5]
)
