import Foundation
@testable import MeterDecoding
@testable import Protocols
import Testing
import TestThreads

/// Siemens TD-3511 readouts (testdata/iec62056-21): bare data blocks and the enveloped form.
@Suite("IEC 62056-21 readout", .onOwnThread)
struct IEC62056ConformanceTests {
    static func block(_ name: String) throws -> [UInt8] { try DSMRFixtures.telegram(name, folder: "iec62056-21") }

    /// STX block ETX BCC, after an identification line, as the meter answers in mode C.
    static func enveloped(_ block: [UInt8]) -> [UInt8] {
        let body = block + [IEC62056ReadoutFramer.etx]
        let bcc = body.reduce(0, ^)
        return Array("/SIE5TD3511\r\n".utf8) + [IEC62056ReadoutFramer.stx] + body + [bcc]
    }

    @Test("the readout decodes to the values of its .json (kW/kWh scaled, angles in degrees)")
    func readout() throws {
        let run = try TextDecodeRun(.siemens_td3511, zone: "Europe/Zurich", chunks: [Self.block("siemens-td3511-readout")])
        #expect(run.drops.isEmpty, "\(run.drops)")
        try #require(run.readings.count == 1)
        let reading = run.readings[0]
        let expected = try TestData.expectation("iec62056-21", "siemens-td3511-readout")["expected"] as! [String: Any]
        #expect(reading.source == expected["meter_id"] as? String)
        #expect(reading.timestamp == DSMRFixtures.seconds(iso: expected["timestamp"] as! String, zone: "Europe/Zurich"))
        for point in expected["data_points"] as! [[String: Any]] {
            let obis = try ObisCode(parsing: point["obis"] as! String)
            let found = reading.value(obis: obis)
            var value = point["value"] as! Double
            if point["unit"] as? String == "rad" { value *= 180 / Double.pi }
            #expect(abs((found?.value.number ?? .nan) - value) < 1e-6, "\(obis): \(String(describing: found))")
        }
        // Our register map names the tariff registers (the reference collector lumps 3.8.1 into 3.8.0).
        #expect(reading.value(obis: "1-0:1.8.0")?.type == .ACTIVE_ENERGY_P)
        #expect(reading.value(obis: "1-0:3.8.1")?.type == .REACTIVE_ENERGY_P_T1)
        #expect(reading.value(obis: "1-0:3.8.1")?.unit == "varh")
        #expect(reading.value(obis: "1-0:32.7.0")?.type == .VOLTAGE_L1)
        #expect(reading.value(obis: "1-0:14.7.0")?.type == .NET_FREQUENCY)
        #expect(reading.value(obis: "1-0:81.7.4")?.unit == "°")
        #expect(reading.values.count == 22)
    }

    @Test("unknown registers give untyped values but still the meter id")
    func unknownRegisters() throws {
        let run = try TextDecodeRun(.siemens_td3511, chunks: [Self.block("siemens-td3511-unknown-registers")])
        try #require(run.readings.count == 1)
        #expect(run.readings[0].source == "110002267")
        #expect(run.readings[0].values.allSatisfy { $0.type == nil })
    }

    @Test("enveloped (identification, STX, ETX, BCC), bare, in any chunking: the same reading")
    func envelopeAndChunking() throws {
        let block = try Self.block("siemens-td3511-readout")
        let reference = try TextDecodeRun(.siemens_td3511, chunks: [block]).readings
        let stream = Self.enveloped(block) + Self.enveloped(block)
        for chunks in [Chunking.whole(stream), Chunking.byteByByte(stream), Chunking.random(stream, seed: 4)] {
            let run = try TextDecodeRun(.siemens_td3511, chunks: chunks)
            #expect(run.readings == reference + reference)
            #expect(run.drops.isEmpty)
        }
    }

    @Test("a wrong BCC or a block cut short is dropped")
    func damaged() throws {
        var stream = Self.enveloped(try Self.block("siemens-td3511-readout"))
        stream[stream.count - 1] ^= 0x01
        let bad = try TextDecodeRun(.siemens_td3511, chunks: [stream])
        #expect(bad.readings.isEmpty)
        #expect(bad.drops.map(\.reason) == [.blockCheck])
        let cut = try TextDecodeRun(.siemens_td3511, chunks: [Array(stream[..<200])])
        #expect(cut.readings.isEmpty)
        #expect(cut.drops.map(\.reason) == [.truncatedFrame])
    }

    @Test("an enveloped block over the limit is dropped, its bytes counted as skipped; its tail is not read as a block")
    func overlong() throws {
        let good = Self.enveloped(try Self.block("siemens-td3511-readout"))
        var long: [UInt8] = [0x02]
        for _ in 0..<400 { long += Array("1.8.0(31550.191*kWh)\r\n".utf8) }
        long += Array("!\r\n".utf8) + [0x03, 0x00]
        let alone = try TextDecodeRun(.siemens_td3511, chunks: [good])
        let run = try TextDecodeRun(.siemens_td3511, chunks: Chunking.random(long + good, seed: 4))
        #expect(run.drops.map(\.reason) == [.telegramTooLong])
        #expect(run.readings.count == 1)
        #expect(run.statistics.skippedBytes == long.count + alone.statistics.skippedBytes)
    }
}
