// swift-tools-version: 6.1
import PackageDescription

// The helpers the tests and the benchmarks share: a mosquitto broker, a PostgreSQL server, child processes reaped
// with the test process, certificates, HTTP probes. A package of its own so that `swift build` of the root package
// builds none of it; the root's test targets and Benchmarks/ depend on it by path.
let package = Package(
    name: "TestSupport",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "TestSupport", targets: ["TestSupport"]),
        // Test cases on threads of their own (`@Suite(.onOwnThread)`); needs only the Testing library.
        .library(name: "TestThreads", targets: ["TestThreads"]),
    ],
    dependencies: [
        // The root package (named, because a path dependency is otherwise known by its folder's name).
        .package(name: "smartmeter-datacollector", path: "../.."),
    ],
    targets: [
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "Protocols", package: "smartmeter-datacollector"),
                           .product(name: "Delivery", package: "smartmeter-datacollector"),
                           .product(name: "SystemSupport", package: "smartmeter-datacollector")],
            path: ".",
            exclude: ["Package.swift", "TestThreads", "Browser"]
        ),
        .target(
            name: "TestThreads",
            path: "TestThreads"
        ),
    ]
)
