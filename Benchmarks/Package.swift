// swift-tools-version: 6.1
import PackageDescription

// The benchmarks: a package of their own beside the product, so that `swift build` of the root package does not
// build them. bench/*.sh build them with `swift build -c release --package-path Benchmarks`.
let protocols = Target.Dependency.product(name: "Protocols", package: "smartmeter-datacollector")
let testSupport = Target.Dependency.product(name: "TestSupport", package: "TestSupport")

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "smartmeter-datacollector", path: ".."),
        .package(name: "TestSupport", path: "../Tests/TestSupport"),
    ],
    targets: [
        .executableTarget(
            name: "DecodeBenchmark",
            // The decoders only: no libmosquitto, libpq or iniparser.
            dependencies: [.product(name: "MeterDecoding", package: "smartmeter-datacollector")],
            path: "DecodeBenchmark"
        ),
        .executableTarget(
            name: "StreamGenerator",
            dependencies: [.product(name: "CLibCrypto", package: "smartmeter-datacollector"), testSupport],
            path: "StreamGenerator"
        ),
        .executableTarget(
            name: "CollectorMQTTBenchmark",
            dependencies: [protocols, testSupport],
            path: "CollectorMQTTBenchmark"
        ),
        .executableTarget(
            name: "ReplayBenchmark",
            dependencies: [testSupport],
            path: "ReplayBenchmark"
        ),
    ]
)
