// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "smartmeter-datacollector",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Protocols", targets: ["Protocols"]),
        .executable(name: "smartmeter-datacollector", targets: ["Collector"]),
        .executable(name: "smartmeter-config", targets: ["Configurator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .target(
            name: "Protocols",
            dependencies: ["CLibCrypto", "CMosquitto"]
        ),
        .executableTarget(
            name: "Collector",
            dependencies: [
                "Protocols",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "Configurator",
            dependencies: [
                "Protocols",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "DecodeBenchmark",
            dependencies: ["Protocols"],
            path: "Benchmarks/DecodeBenchmark"
        ),
        .testTarget(
            name: "ProtocolsTests",
            dependencies: ["Protocols"]
        ),
        .testTarget(
            name: "ConfiguratorTests",
            dependencies: ["Protocols"]
        ),
    ]
)
