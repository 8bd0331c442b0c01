import Foundation
@testable import MeterDecoding
@testable import Protocols
import Testing
import TestThreads

/// The mode C dialogue against a simulated TD-3511.
@Suite("IEC 62056-21 mode C session", .onOwnThread)
struct IEC62056SessionTests {
    /// Plays the meter: answers the sign-on with its identification, the acknowledgement with the data block.
    struct SimulatedMeter {
        let identification: String
        let block: [UInt8]
        var baudRate = 300
        var received: [UInt8] = []

        mutating func hear(_ bytes: [UInt8], atBaud readerBaud: Int) -> [UInt8] {
            guard readerBaud == baudRate else { return [] }   // wrong speed: garbage to the meter, no answer
            received += bytes
            if received.suffix(5) == Array("/?!\r\n".utf8) {
                received = []
                return Array("/\(identification)\r\n".utf8)
            }
            if received.count == 6, received[0] == IEC62056ModeCSession.ack {
                baudRate = IEC62056ModeCSession.baudRates[Int(received[2] - UInt8(ascii: "0"))]
                received = []
                return IEC62056ConformanceTests.envelopedBody(block)
            }
            return []
        }
    }

    /// Runs the dialogue; returns what was delivered to the decoder and the actions in order.
    static func dialogue(meter: inout SimulatedMeter, session: inout IEC62056ModeCSession, chunk: Int)
        -> (delivered: [UInt8], actions: [IEC62056ModeCSession.Action]) {
        var readerBaud = 0
        var delivered: [UInt8] = []
        var log: [IEC62056ModeCSession.Action] = []
        var pending = session.start()
        while !pending.isEmpty {
            let action = pending.removeFirst()
            log.append(action)
            switch action {
            case .setBaudRate(let baud): readerBaud = baud
            case .deliver(let bytes): delivered += bytes
            case .finished, .failed: return (delivered, log)
            case .send(let bytes):
                var answer = meter.hear(bytes, atBaud: readerBaud)
                // The meter switches speed after the acknowledgement; answer once the reader followed.
                if answer.isEmpty { continue }
                if let switchIndex = pending.firstIndex(where: { if case .setBaudRate = $0 { true } else { false } }),
                   case .setBaudRate(let baud) = pending[switchIndex] {
                    pending.remove(at: switchIndex)
                    log.append(.setBaudRate(baud))
                    readerBaud = baud
                }
                while !answer.isEmpty {
                    let piece = Array(answer.prefix(chunk))
                    answer.removeFirst(piece.count)
                    pending += session.receive(piece)
                }
            }
        }
        return (delivered, log)
    }

    @Test("sign-on, acknowledgement with the offered speed, readout decoded", arguments: [1, 7, 4096])
    func readout(chunk: Int) throws {
        let block = try IEC62056ConformanceTests.block("siemens-td3511-readout")
        var meter = SimulatedMeter(identification: "SIE5TD3511", block: block)
        var session = IEC62056ModeCSession()
        let (delivered, actions) = Self.dialogue(meter: &meter, session: &session, chunk: chunk)
        #expect(actions.first == .setBaudRate(300))
        #expect(actions.contains(.send([0x06, 0x30, 0x35, 0x30, 0x0D, 0x0A])))   // ACK 0 5 0: 9600 baud
        #expect(actions.contains(.setBaudRate(9600)))
        #expect(actions.last == .finished)
        #expect(session.identification == "SIE5TD3511")
        let run = try TextDecodeRun(.siemens_td3511, chunks: [delivered])
        let bare = try TextDecodeRun(.siemens_td3511, chunks: [block])
        #expect(run.readings == bare.readings)
        #expect(run.readings.count == 1)
        #expect(run.drops.isEmpty)
    }

    @Test("the reader's maximum speed caps what the meter offers")
    func cappedSpeed() throws {
        var session = IEC62056ModeCSession(maximumBaudRate: 2400)
        _ = session.start()
        let actions = session.receive(Array("/SIE6TD3511\r\n".utf8))
        #expect(actions.contains(.send([0x06, 0x30, 0x33, 0x30, 0x0D, 0x0A])))
        #expect(actions.contains(.setBaudRate(2400)))
    }

    @Test("no identification, or a readout cut short: failed")
    func timeouts() {
        var session = IEC62056ModeCSession()
        _ = session.start()
        #expect(session.timeout() == [.failed("no identification from the meter")])
        _ = session.start()
        _ = session.receive(Array("/SIE5TD3511\r\n\u{02}1.8.0(1*kWh)\r\n".utf8))
        #expect(session.timeout() == [.failed("data readout incomplete")])
    }
}

extension IEC62056SessionTests {
    @Test("an echo of the request (half-duplex line) is skipped, the identification after it acknowledged")
    func echo() {
        var session = IEC62056ModeCSession()
        #expect(session.start() == [.setBaudRate(300), .send(IEC62056ModeCSession.signOnRequest())])
        let actions = session.receive(Array("/?!\r\n/SIE5TD3511\r\n".utf8))
        #expect(actions.contains(.send([0x06, 0x30, 0x35, 0x30, 0x0D, 0x0A])))
        #expect(session.identification == "SIE5TD3511")
    }

    @Test("noise instead of an identification, or a data block without ETX, ends the attempt")
    func limits() {
        var session = IEC62056ModeCSession()
        _ = session.start()
        let noise = [UInt8](repeating: 0xA5, count: IEC62056ModeCSession.maximumNoise)
        #expect(session.receive(noise).isEmpty)
        #expect(session.receive([0xA5]) == [.failed("no identification in 256 bytes of noise")])
        #expect(session.receive(Array("/SIE5TD3511\r\n".utf8)).isEmpty)   // idle until started again

        _ = session.start()
        _ = session.receive(Array("/SIE5TD3511\r\n".utf8))
        let endless = [UInt8](repeating: UInt8(ascii: "1"), count: 1000)
        var failed: [IEC62056ModeCSession.Action] = []
        for _ in 0..<20 {
            failed = session.receive(endless).filter { if case .failed = $0 { true } else { false } }
            if !failed.isEmpty { break }
        }
        #expect(failed == [.failed("no end of the data block (ETX) in \(IEC62056ModeCSession.maximumDataLength) bytes")])
    }
}

extension IEC62056ConformanceTests {
    /// STX block ETX BCC without the identification line.
    static func envelopedBody(_ block: [UInt8]) -> [UInt8] {
        Array(enveloped(block).drop { $0 != IEC62056ReadoutFramer.stx })
    }
}
