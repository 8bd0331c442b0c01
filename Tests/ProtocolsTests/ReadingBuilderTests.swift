import Protocols
import Testing
import TestThreads

/// COSEM layouts to readings, on hand-built notifications (the captures cover the common cases).
@Suite("Reading builder", .onOwnThread)
struct ReadingBuilderTests {
    static let zurich = ZoneOffsetResolver(identifier: "Europe/Zurich")!
    static let clockBytes: [UInt8] = [0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x15, 0x00, 0xFF, 0x88, 0x00]  // 11:39:21+02

    static func obis(_ text: String) -> DLMSValue {
        let code = try! ObisCode(parsing: text)
        return .octetString([code.a, code.b, code.c, code.d, code.e, code.f][...])
    }

    static func listEntry(_ classID: UInt16, _ code: String, _ attribute: Int8) -> DLMSValue {
        .structure([.longUnsigned(classID), obis(code), .integer(attribute), .longUnsigned(0)])
    }

    static func builder(_ meter: MeterType = .lge450, systemTime: Bool = false, override: String? = nil) -> ReadingBuilder {
        ReadingBuilder(meter: meter, zone: zurich, useSystemTime: systemTime, fallbackSource: "/dev/ttyUSB0",
                       sourceOverride: override, now: { 1_000 })
    }

    @Test("push object list with scaler_unit pushed as attribute 3: the pushed scaler wins over the map")
    func pushListWithScaler() throws {
        let list = DLMSValue.array([
            Self.listEntry(40, "0-0:25.9.0", 2), Self.listEntry(1, "0-0:42.0.0", 2), Self.listEntry(8, "0-0:1.0.0", 2),
            Self.listEntry(3, "1-0:31.7.0", 3), Self.listEntry(3, "1-0:31.7.0", 2), Self.listEntry(3, "1-0:99.99.9", 2),
        ])
        let body = DLMSValue.structure([
            list, .octetString(ArraySlice("LGZ123".utf8)), .octetString(Self.clockBytes[...]),
            .structure([.integer(-3), .enumerated(33)]), .longUnsigned(1234), .doubleLong(-5),
        ])
        let reading = try #require(Self.builder().reading(from: DataNotification(longInvokeID: 1, dateTime: nil, body: body)))
        #expect(reading.source == "LGZ123")
        #expect(CivilTime.iso8601(reading.timestamp) == "2026-05-04T09:39:21Z")
        #expect(reading.values.count == 2)
        #expect(reading.values[0] == DataPoint(obis: "1-0:31.7.0*255", type: .CURRENT_L1, value: .number(1.234), unit: "A"))
        #expect(reading.values[1] == DataPoint(obis: "1-0:99.99.9*255", type: nil, value: .number(-5), unit: nil))
    }

    @Test("Aidon style: array of structure(OBIS, value, scaler/unit); no id in the message -> port name")
    func aidonLayout() throws {
        let body = DLMSValue.array([
            .structure([Self.obis("1-0:32.7.0"), .longUnsigned(2301), .structure([.integer(-1), .enumerated(35)])]),
            .structure([Self.obis("1-0:14.7.0"), .longUnsigned(5001), .structure([.integer(-2), .enumerated(44)])]),
        ])
        let reading = try #require(Self.builder(.aidon).reading(from: DataNotification(longInvokeID: 1, dateTime: nil, body: body)))
        #expect(reading.source == "/dev/ttyUSB0")
        #expect(reading.timestamp == 1_000)
        #expect(reading.values.map(\.value) == [.number(230.1), .number(50.01)])
        #expect(reading.values.map(\.unit) == ["V", "Hz"])
        #expect(reading.values.map(\.type) == [.VOLTAGE_L1, .NET_FREQUENCY])
    }

    @Test("Kaifa three-phase list 2: positions imply the OBIS codes and Kaifa's scaling")
    func kaifaPositional() throws {
        let values: [DLMSValue] = [
            .visibleString(ArraySlice("Kfm_001".utf8)), .visibleString(ArraySlice("7359992890941742".utf8)),
            .visibleString(ArraySlice("MA304H3E".utf8)), .doubleLongUnsigned(1500), .doubleLongUnsigned(0),
            .doubleLongUnsigned(10), .doubleLongUnsigned(20), .doubleLongUnsigned(2_345), .doubleLongUnsigned(1_000),
            .doubleLongUnsigned(0), .doubleLongUnsigned(2_301), .doubleLongUnsigned(2_302), .doubleLongUnsigned(2_303),
        ]
        let reading = try #require(Self.builder(.kaifa).reading(from: DataNotification(longInvokeID: 1, dateTime: nil,
                                                                                        body: .structure(values))))
        #expect(reading.source == "7359992890941742")
        #expect(reading.value(of: .ACTIVE_POWER_P)?.value == .number(1500))
        #expect(reading.value(of: .CURRENT_L1)?.value == .number(2.345))
        #expect(reading.value(of: .VOLTAGE_L3)?.value == .number(230.3))
    }

    @Test("systemtime forces the clock; id overrides the meter id")
    func options() throws {
        let body = DLMSValue.structure([Self.obis("0-0:42.0.0"), .octetString(ArraySlice("ISK1".utf8)),
                                        Self.obis("1-0:1.7.0"), .doubleLongUnsigned(7)])
        let notification = DataNotification(longInvokeID: 1, dateTime: CosemDateTime(bytes: Self.clockBytes[...]), body: body)
        let normal = try #require(Self.builder().reading(from: notification))
        #expect(normal.source == "ISK1")
        #expect(CivilTime.iso8601(normal.timestamp) == "2026-05-04T09:39:21Z")
        let forced = try #require(Self.builder(systemTime: true, override: "house").reading(from: notification))
        #expect(forced.timestamp == 1_000)
        #expect(forced.source == "house")
    }

    @Test("a message without values gives no reading")
    func empty() {
        let body = DLMSValue.structure([Self.obis("0-0:42.0.0"), .octetString(ArraySlice("ISK1".utf8))])
        #expect(Self.builder().reading(from: DataNotification(longInvokeID: 1, dateTime: nil, body: body)) == nil)
    }
}
