import Protocols
import Testing
import TestThreads

@Suite("HDLC framer", .onOwnThread)
struct HDLCFramerTests {
    /// Every event of the framer over the given chunks, with the frames' information fields copied out.
    static func events(_ chunks: [[UInt8]]) -> (frames: [[UInt8]], drops: [DropReason], skipped: Int) {
        var framer = HDLCFramer()
        var frames: [[UInt8]] = []
        var drops: [DropReason] = []
        for chunk in chunks {
            framer.append(chunk)
            while let event = framer.next() {
                switch event {
                case .frame(let frame): frames.append(Array(frame.information))
                case .dropped(let drop): drops.append(drop.reason)
                }
            }
        }
        if let drop = framer.finish() { drops.append(drop.reason) }
        return (frames, drops, framer.skippedBytes)
    }

    static func e450Frames() throws -> [[UInt8]] { try TestData.frames("hdlc", "lge450-gbt-vse2026") }

    @Test("frames come out whole with addresses, control and segmentation bit")
    func fields() throws {
        let e450 = try Self.e450Frames()
        var framer = HDLCFramer()
        framer.append(e450[0])
        guard case .frame(let frame)? = framer.next() else {
            Issue.record("expected a frame")
            return
        }
        #expect(!frame.segmented)
        #expect(frame.control == 0x13)
        #expect(frame.isUnnumberedInformation)
        #expect(frame.information.prefix(4).elementsEqual([0xE6, 0xE7, 0x00, 0xE0]))
        #expect(frame.information.count == e450[0].count - 2 - 2 - 3 - 1 - 2 - 2)
        #expect(frame.offset == 0)
    }

    @Test("every proper prefix of a frame yields nothing and is reported as truncated")
    func prefixes() throws {
        let e450 = try Self.e450Frames()
        let frame = e450[1]
        for length in 2..<frame.count {
            let result = Self.events([Array(frame.prefix(length))])
            #expect(result.frames.isEmpty, "prefix \(length)")
            #expect(result.drops == [.truncatedFrame], "prefix \(length)")
        }
    }

    @Test("shared flags between frames, idle flags and garbage")
    func sharedFlags() throws {
        let e450 = try Self.e450Frames()
        // Frames sharing the flag: 7E ... 7E ... 7E.
        let shared = e450[0] + e450[1].dropFirst()
        #expect(Self.events([shared]).frames.count == 2)
        let idle = [0x7E, 0x7E, 0x7E] + e450[0] + [0x7E, 0x7E] + e450[1]
        #expect(Self.events([idle]).frames.count == 2)
        let garbage: [UInt8] = [0x00, 0x13, 0xA0, 0x55]
        let result = Self.events([garbage + e450[0] + garbage + e450[1] + garbage])
        #expect(result.frames.count == 2)
        #expect(result.drops.isEmpty)
        #expect(result.skipped == 3 * garbage.count)
    }

    @Test("a bad FCS drops that frame and keeps the next")
    func badFCS() throws {
        let e450 = try Self.e450Frames()
        var damaged = e450[0]
        damaged[40] ^= 0xFF
        let result = Self.events([damaged + e450[1]])
        #expect(result.frames.count == 1)
        #expect(result.frames.first.map { $0.prefix(1) == [0xE0] } == true)
        #expect(result.drops == [.frameChecksum])
    }

    @Test("a bad HCS drops the frame and the scan resumes at the next flag")
    func badHCS() throws {
        let e450 = try Self.e450Frames()
        var damaged = e450[0]
        damaged[7] ^= 0x01
        let result = Self.events([damaged + e450[1]])
        #expect(result.frames.count == 1)
        #expect(result.drops == [.headerChecksum])
    }

    @Test("a lost closing flag or a wrong length: the next frame still comes out")
    func lostFlagAndWrongLength() throws {
        let e450 = try Self.e450Frames()
        // One flag lost between two frames: the next frame's opening flag closes the first (shared flag).
        var noFlag = e450[0]
        noFlag.removeLast()
        #expect(Self.events([noFlag + e450[1]]).frames.count == 2)
        // Both flags lost: the first frame does not end at a flag and the second has no start; the third survives.
        let bothLost = noFlag + e450[1].dropFirst() + e450[2]
        let lost = Self.events([bothLost])
        #expect(lost.frames.count == 1)
        #expect(lost.frames.first?.prefix(4).elementsEqual([0xE0, 0x40, 0x00, 0x03]) == true)
        #expect(lost.drops.first == .badLengthOrFlag)
        // A frame cut in the middle, directly followed by a good one.
        let cut = Array(e450[2].prefix(60))
        let result = Self.events([cut + e450[1] + e450[3]])
        #expect(result.frames.count == 2)
    }

    @Test("0x7E and 0x7D inside the information field are data, not flags or escapes")
    func noByteStuffing() throws {
        let kaifa = try TestData.bytes("hdlc", "kaifa-list1-0x7e-in-info")
        let aidon = try TestData.bytes("hdlc", "aidon-list1-0x7d-in-info")
        let result = Self.events([kaifa + aidon])
        #expect(result.frames.count == 2)
        #expect(result.frames[0].suffix(2) == [0x15, 0x7E])
        #expect(result.drops.isEmpty)
    }

    @Test("the buffer stays bounded whatever is fed")
    func bounded() {
        var framer = HDLCFramer()
        var generator = SeededGenerator(seed: 3)
        var largest = 0
        for _ in 0..<2_000 {
            let chunk = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
            framer.append(chunk)
            while framer.next() != nil {}
            largest = max(largest, framer.bufferedByteCount)
        }
        #expect(largest <= HDLCFramer.maximumFrameSize + 512)
    }
}
