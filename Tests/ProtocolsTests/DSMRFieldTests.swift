import Foundation
@testable import MeterDecoding
@testable import Protocols
import Testing
import TestThreads

/// The byte-level readers and the mapping of P1 objects to data points.
@Suite("DSMR fields and mapping", .onOwnThread)
struct DSMRFieldTests {
    static func with<R>(_ text: String, _ body: (UnsafeRawBufferPointer, Range<Int>) -> R) -> R {
        Array(text.utf8).withUnsafeBytes { body($0, 0..<$0.count) }
    }

    @Test("numbers with units scale to the DLMS side's units")
    func quantities() {
        let cases: [(String, Double, String?)] = [
            ("000015.758*kWh", 15758, "Wh"), ("02.351*kW", 2351, "W"), ("000303.131*kvarh", 303131, "varh"),
            ("0000.470*kVAr", 470, "var"), ("234.7*V", 234.7, "V"), ("000.27*A", 0.27, "A"), ("00112.384*m3", 112.384, "m3"),
            ("240.860*GJ", 240.860, "GJ"), ("-80.7*Deg", -80.7, "°"), ("0001", 1, nil), ("006545766*Wh", 6_545_766, "Wh"),
            ("00032549.5061662*kWh", 32_549_506.1662, "Wh"), ("0000237126*s", 237_126, "s"), ("50.00*Hz", 50, "Hz"),
        ]
        for (text, value, unit) in cases {
            let quantity = Self.with(text) { P1Field.quantity($0, $1) }
            #expect(quantity?.value == value, "\(text)")
            #expect(quantity?.unit == unit, "\(text)")
        }
        for text in ["", "*kWh", "4B38", "12:30", "1.2.3"] {
            #expect(Self.with(text) { P1Field.quantity($0, $1) } == nil, "\(text)")
        }
    }

    @Test("OBIS codes in the P1 and IEC forms")
    func obisCodes() {
        let cases: [(String, ObisCode?)] = [
            ("1-0:1.8.1", "1-0:1.8.1*255"), ("0-2:24.2.1", "0-2:24.2.1*255"), ("1-0:1.8.0*255", "1-0:1.8.0*255"),
            ("0-0:96.1.255*255", "0-0:96.1.255*255"), ("1.8.0", "1-0:1.8.0*255"), ("32.7", "1-0:32.7.0*255"),
            ("1-0:1.8", nil), ("1.2.3.4.5", nil), ("1-0:256.8.0", nil), ("C.1.0", nil), ("", nil),
        ]
        for (text, expected) in cases {
            #expect(Self.with(text) { P1Field.obis($0, $1) } == expected, "\(text)")
        }
    }

    @Test("times: S/W pick the occurrence of the repeated hour; placeholders are no time")
    func times() throws {
        var clock = P1Clock(zone: ZoneOffsetResolver(identifier: "Europe/Brussels")!)
        func utc(_ text: String) -> Int64? {
            Self.with(text) { P1Field.wallClock($0, $1) }.map { clock.utcSeconds($0) }
        }
        #expect(utc("231029023000S") == DSMRFixtures.seconds(iso: "2023-10-29T00:30:00Z"))
        #expect(utc("231029023000W") == DSMRFixtures.seconds(iso: "2023-10-29T01:30:00Z"))
        #expect(utc("200512135409S") == DSMRFixtures.seconds(iso: "2020-05-12T11:54:09Z"))
        #expect(utc("161107190000") == DSMRFixtures.seconds(iso: "2016-11-07T18:00:00Z"))
        #expect(utc("700101010000W") == 0)
        #expect(utc("632525252525W") == nil)
        #expect(utc("230231000000W") == nil)
        #expect(utc("2302010000W") == nil)
    }

    @Test("Fluvius: types, Belgian extensions, M-Bus channels and the equipment id as source")
    func fluvius() throws {
        let run = try TextDecodeRun(.fluvius, chunks: [DSMRFixtures.telegram("fluvius-v171")])
        let reading = try #require(run.readings.first)
        #expect(reading.source == "1SAG3101021605")
        #expect(reading.timestamp == DSMRFixtures.seconds(iso: "2020-05-12T11:54:09Z"))
        #expect(reading.value(of: .ACTIVE_ENERGY_P_T1)?.value == .number(34))
        #expect(reading.value(of: .ACTIVE_ENERGY_P_T2)?.value == .number(15758))
        #expect(reading.value(of: .ACTIVE_POWER_P)?.obis == "1-0:1.7.0")
        #expect(reading.value(of: .ACTIVE_POWER_P_L1)?.obis == "1-0:21.7.0")
        #expect(reading.value(of: .VOLTAGE_L1)?.value == .number(234.7))
        #expect(reading.value(of: .CURRENT_L3)?.unit == "A")
        #expect(reading.value(obis: "1-0:1.4.0")?.value == .number(2351))
        let maximum = try #require(reading.value(obis: "1-0:1.6.0"))
        #expect(maximum.value == .number(2589))
        #expect(maximum.timestamp == DSMRFixtures.seconds(iso: "2020-05-09T11:45:58Z"))
        #expect(reading.value(obis: "0-0:96.1.4")?.value == .text("50217"))
        #expect(reading.value(obis: "0-1:96.1.1")?.value == .text("7FLO2119033733"))
        #expect(reading.value(obis: "0-2:24.1.0")?.value == .number(7))
        #expect(reading.value(obis: "0-2:24.2.1")?.timestamp == DSMRFixtures.seconds(iso: "2020-05-12T11:45:58Z"))
        #expect(reading.value(obis: "0-0:96.13.0") == nil)
        #expect(reading.value(obis: "0-0:96.1.1") == nil)   // it is the source
    }

    @Test("a placeholder peak time is reported as absent")
    func placeholderTime() throws {
        let run = try TextDecodeRun(.fluvius, chunks: [DSMRFixtures.telegram("fluvius-v171-alt")])
        let reading = try #require(run.readings.first)
        let first = try #require(reading.value(obis: ObisCode(1, 0, 1, 6, 0, 1)))
        #expect(first.value == .number(0))
        #expect(first.timestamp == nil)
        #expect(reading.value(obis: ObisCode(1, 0, 1, 6, 0, 4))?.value == .number(4927))
    }

    @Test("JSON carries a value's own time inside its object")
    func json() throws {
        let run = try TextDecodeRun(.fluvius, chunks: [DSMRFixtures.telegram("fluvius-v171")])
        let text = ReadingJSON.encode(try #require(run.readings.first))
        #expect(text.hasPrefix("{\"source\":\"1SAG3101021605\",\"timestamp\":\"2020-05-12T11:54:09Z\""))
        #expect(text.contains("{\"obis\":\"0-1:24.2.3*255\",\"type\":null,\"value\":112.384,\"unit\":\"m3\","
            + "\"timestamp\":\"2020-05-12T11:45:58Z\"}"))
        #expect(text.contains("{\"obis\":\"1-0:1.8.1*255\",\"type\":\"ACTIVE_ENERGY_P_T1\",\"value\":34,\"unit\":\"Wh\"}"))
    }

    @Test("the factory makes the text decoders and DSMR types default to Brussels time")
    func factory() throws {
        for meter in [MeterType.dsmr, .dsmr22, .fluvius] {
            #expect(try ReadingDecoderFactory.make(DecoderConfiguration(meter: meter)) is P1TelegramDecoder)
            #expect(meter.defaultTimeZoneIdentifier == "Europe/Brussels")
        }
        #expect(try ReadingDecoderFactory.make(DecoderConfiguration(meter: .smarty)) is SmartyDecoder)
        #expect(try ReadingDecoderFactory.make(DecoderConfiguration(meter: .siemens_td3511)) is IEC62056ReadoutDecoder)
        #expect(MeterType.dsmr22.serialDefaults.description == "9600 7E1")
        #expect(MeterType.dsmr.serialDefaults.description == "115200 8N1")
    }
}
