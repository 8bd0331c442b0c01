// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "smartmeter-datacollector",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Protocols", targets: ["Protocols"]),
        .library(name: "Delivery", targets: ["Delivery"]),
        .library(name: "SystemSupport", targets: ["SystemSupport"]),
        // For Benchmarks/DecodeBenchmark, which decodes without the rest.
        .library(name: "MeterDecoding", targets: ["MeterDecoding"]),
        // For Benchmarks/StreamGenerator, which encrypts what the collector decrypts.
        .library(name: "CLibCrypto", targets: ["CLibCrypto"]),
        .executable(name: "smartmeter-datacollector", targets: ["Collector"]),
        .executable(name: "smartmeter-config", targets: ["Configurator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Deque for the sink queues; already resolved through swift-service-lifecycle (swift-async-algorithms).
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        // The tests' helpers (brokers, servers, process reaping) are a package of their own that only test targets
        // use, so `swift build` does not build them; Benchmarks/ is a package of its own for the same reason.
        .package(path: "Tests/TestSupport"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CIniParser",
            providers: [.apt(["libiniparser-dev"])]
        ),
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // Headers only: libpq is loaded with dlopen when a PostgreSQL sink connects (Delivery/PostgreSQL/LibPQ.swift).
        .systemLibrary(
            name: "CLibPQ",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        // Headers only: prctl, which Swift cannot call (variadic).
        .systemLibrary(name: "CLinux"),
        // The meter decoders: bytes -> frames (HDLC, M-Bus, P1, IEC 62056-21) -> messages (DLMS/COSEM with its
        // security, P1 telegrams) -> readings (OBIS, the reading model), with time zones and escaping of meter text.
        // No I/O and no C library but libcrypto, so the fuzz targets and the decode benchmark need nothing else.
        // The hot path stays inside this one module (docs/architecture.md).
        .target(
            name: "MeterDecoding",
            dependencies: ["CLibCrypto"]
        ),
        // Files, capture files, serial ports (with the IEC 62056-21 exchange that drives one), threads and locks, the
        // monotonic clock and the back-off: what the layers above need from the operating system.
        .target(
            name: "SystemSupport",
            dependencies: ["MeterDecoding", "CLinux"]
        ),
        // The protocol module both programs share: the meter decoders (re-exported) and MQTT with TLS and
        // authentication.
        .target(
            name: "Protocols",
            dependencies: ["MeterDecoding", "SystemSupport", "CMosquitto"]
        ),
        // Getting readings to where they go: the disk spool, the spooled MQTT publisher and its payload layouts, Home
        // Assistant discovery, PostgreSQL (libpq, the premises tables, the spooled inserter), delivery events.
        .target(
            name: "Delivery",
            dependencies: ["Protocols", "SystemSupport", "CLibPQ"]
        ),
        // The INI file (through iniparser's rules), its schema, validation and the typed configuration.
        .target(
            name: "Configuration",
            dependencies: ["Delivery", "Protocols", "SystemSupport", "CIniParser"]
        ),
        // The HTTP server the collector's web face (and the configurator's) runs on.
        .target(
            name: "HTTPServer",
            dependencies: ["CMicroHTTPD", "Configuration", "SystemSupport"]
        ),
        // The collector's pipeline: readers, the fan-out and sink queues, the sink workers and sinks, the web face,
        // the log handler, and `Collector`, which wires them from a configuration and runs them. The readers' and
        // sinks' hot path (decoding session, queue, JSON and CSV writers) stays inside this one module.
        .target(
            name: "CollectorPipeline",
            dependencies: [
                "Configuration",
                "Delivery",
                "Protocols",
                "SystemSupport",
                "HTTPServer",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `smartmeter-datacollector`: options, the effective configuration, then `Collector` runs.
        .executableTarget(
            name: "Collector",
            dependencies: [
                "CollectorPipeline",
                "Configuration",
                "Protocols",
                "SystemSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Configurator",
            dependencies: [
                "Configuration",
                "Delivery",
                "Protocols",
                "SystemSupport",
                "HTTPServer",
                "CLibCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ProtocolsTests",
            dependencies: ["Configuration", "Delivery", "MeterDecoding", "Protocols", "SystemSupport", .product(name: "TestSupport", package: "TestSupport"),
                           .product(name: "TestThreads", package: "TestSupport")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ConfiguratorTests",
            dependencies: ["Configuration", "Delivery", "Protocols", "SystemSupport", .product(name: "TestSupport", package: "TestSupport"),
                           .product(name: "TestThreads", package: "TestSupport")],
            exclude: ["Browser"]
        ),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "Configuration", "Protocols", "SystemSupport", .product(name: "TestSupport", package: "TestSupport"),
                           .product(name: "TestThreads", package: "TestSupport")]
        ),
        // The collector's pipeline in process: fake readers and sinks around the real queues, workers and services.
        .testTarget(
            name: "CollectorPipelineTests",
            dependencies: ["CollectorPipeline", "Configuration", "Protocols",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "TestSupport", package: "TestSupport"),
                           .product(name: "TestThreads", package: "TestSupport")]
        ),
        .testTarget(
            name: "CollectorTests",
            dependencies: ["Configuration", "Delivery", "Protocols", "SystemSupport", .product(name: "TestSupport", package: "TestSupport"),
                           .product(name: "TestThreads", package: "TestSupport")],
            exclude: ["Browser"]
        ),
    ]
)
