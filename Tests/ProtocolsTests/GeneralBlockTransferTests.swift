import Protocols
import Testing
import TestThreads

@Suite("General block transfer", .onOwnThread)
struct GeneralBlockTransferTests {
    static func block(_ number: UInt16, last: Bool = false, _ data: [UInt8]) -> [UInt8] {
        [0xE0, last ? 0xC0 : 0x40, UInt8(number >> 8), UInt8(number & 0xFF), 0x00, 0x00, UInt8(data.count)] + data
    }

    static func run(_ blocks: [[UInt8]]) -> (apdus: [[UInt8]], drops: [DropReason]) {
        var transfer = GeneralBlockTransfer()
        var apdus: [[UInt8]] = []
        var drops: [DropReason] = []
        for (index, block) in blocks.enumerated() {
            var interrupted: Drop? = nil
            let output = transfer.add(block[...], offset: index, interrupted: &interrupted)
            if let interrupted { drops.append(interrupted.reason) }
            switch output {
            case .apdu(let apdu, _)?: apdus.append(Array(apdu))
            case .dropped(let drop)?: drops.append(drop.reason)
            case nil: break
            }
        }
        if let drop = transfer.finish() { drops.append(drop.reason) }
        return (apdus, drops)
    }

    @Test("consecutive blocks join into one APDU at the last block")
    func joins() {
        let result = Self.run([Self.block(1, [1, 2]), Self.block(2, [3]), Self.block(3, last: true, [4, 5])])
        #expect(result.apdus == [[1, 2, 3, 4, 5]])
        #expect(result.drops.isEmpty)
    }

    @Test("a single block flagged last is a whole message")
    func single() {
        #expect(Self.run([Self.block(1, last: true, [9])]).apdus == [[9]])
    }

    @Test("a missing block drops the message, later blocks are orphans")
    func missing() {
        let result = Self.run([Self.block(1, [1]), Self.block(3, [3]), Self.block(4, last: true, [4])])
        #expect(result.apdus.isEmpty)
        #expect(result.drops == [.missingBlock, .orphanSegment])
    }

    @Test("a repeated block drops the message")
    func repeated() {
        let result = Self.run([Self.block(1, [1]), Self.block(2, [2]), Self.block(2, [2]), Self.block(3, last: true, [3])])
        #expect(result.apdus.isEmpty)
        #expect(result.drops == [.repeatedBlock, .orphanSegment])
    }

    @Test("a new block 1 drops the open message and starts over")
    func restart() {
        let result = Self.run([Self.block(1, [1]), Self.block(1, [7]), Self.block(2, last: true, [8])])
        #expect(result.apdus == [[7, 8]])
        #expect(result.drops == [.incompleteMessage])
    }

    @Test("a block whose length does not match its bytes is malformed")
    func malformed() {
        var block = Self.block(1, last: true, [1, 2, 3])
        block[6] = 5
        #expect(Self.run([block]).drops == [.malformedBlock])
        #expect(Self.run([[0xE0, 0x40]]).drops == [.malformedBlock])
        #expect(Self.run([Self.block(1, [1])]).drops == [.incompleteMessage])
    }
}
