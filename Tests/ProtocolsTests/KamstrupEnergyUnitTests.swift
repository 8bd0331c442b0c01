import Protocols
import Testing
import TestThreads

/// Kamstrup's HAN lists send energy registers without a scaler, and the unit differs by country: the Norwegian lists
/// count 10 Wh (`kamstrup_han`), the Swedish lists count Wh (`kamstrup_han_se`). Real captures of each hold it.
@Suite(.onOwnThread) struct KamstrupEnergyUnitTests {
    static func importEnergy(_ meter: MeterType, _ name: String) throws -> Double? {
        let run = try DecodeRun(meter, chunks: [TestData.bytes("hdlc", name)])
        let reading = try #require(run.readings.first)
        #expect(reading.value(obis: "1-1:1.8.0*255")?.unit == "Wh")
        return reading.value(obis: "1-1:1.8.0*255")?.value.number
    }

    @Test("Norwegian list 3: raw 8582328 is 85 823.280 kWh, as the source's golden decode says")
    func norway() throws {
        #expect(try Self.importEnergy(.kamstrup_han, "kamstrup-no-list3-em001-1") == 85_823_280)
    }

    @Test("Swedish list 3: raw 32014158 is 32 014.158 kWh; the Norwegian factor would show ten times the register")
    func sweden() throws {
        #expect(try Self.importEnergy(.kamstrup_han_se, "kamstrup-se-list3-gh239-2") == 32_014_158)
        #expect(try Self.importEnergy(.kamstrup_han, "kamstrup-se-list3-gh239-2") == 320_141_580)
    }

    @Test("only energy differs: powers, currents and voltages scale alike in both lists")
    func restAlike() throws {
        let bytes = try TestData.bytes("hdlc", "kamstrup-no-list3-em001-1")
        let norway = try #require(try DecodeRun(.kamstrup_han, chunks: [bytes]).readings.first)
        let sweden = try #require(try DecodeRun(.kamstrup_han_se, chunks: [bytes]).readings.first)
        for code: ObisCode in ["1-1:1.7.0*255", "1-1:31.7.0*255", "1-1:32.7.0*255"] {
            #expect(norway.value(obis: code)?.value.number == sweden.value(obis: code)?.value.number)
            #expect(norway.value(obis: code)?.unit == sweden.value(obis: code)?.unit)
        }
        #expect(MeterType(rawValue: "kamstrup_han_se")?.serialDefaults == MeterType.kamstrup_han.serialDefaults)
        #expect(MeterType.kamstrup_han_se.linkLayer == .hdlc)
    }
}
