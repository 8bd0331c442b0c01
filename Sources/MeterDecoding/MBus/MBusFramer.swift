/// Cuts a byte stream into M-Bus long frames, bytes arriving in any chunking. Single characters (E5) and short
/// frames (`10 C A CS 16`) are skipped; damaged frames are dropped and the scan resumes at the next start byte.
public struct MBusFramer: LinkFramer {
    public static let start: UInt8 = 0x68
    public static let stop: UInt8 = 0x16

    private var buffer: [UInt8] = []
    private var start = 0
    private var bufferOffset = 0
    public private(set) var skippedBytes = 0

    public init() {
        buffer.reserveCapacity(4096)
    }

    public var bufferedByteCount: Int { buffer.count - start }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    private mutating func compact() {
        guard start > 0 else { return }
        bufferOffset += start
        buffer.removeFirst(start)
        start = 0
    }

    public mutating func next() -> LinkEvent<MBusFrame>? {
        while start < buffer.count {
            guard buffer[start] == Self.start else {
                let end = buffer[start...].firstIndex(of: Self.start) ?? buffer.count
                skippedBytes += end - start
                start = end
                continue
            }
            guard buffer.count - start >= 4 else { return nil }
            let length = Int(buffer[start + 1])
            guard buffer[start + 2] == buffer[start + 1], buffer[start + 3] == Self.start, length >= 3 else {
                skippedBytes += 1
                start += 1
                continue
            }
            let total = length + 6
            guard buffer.count - start >= total else { return nil }
            let body = (start + 4)..<(start + 4 + length)
            let checksum = buffer[body].reduce(UInt8(0)) { $0 &+ $1 }
            guard buffer[start + 4 + length + 1] == Self.stop else {
                let drop = Drop(.badLengthOrFlag, offset: bufferOffset + start, detail: "no stop byte after L=\(length)")
                start += 1
                return .dropped(drop)
            }
            guard checksum == buffer[start + 4 + length] else {
                let drop = Drop(.mbusChecksum, offset: bufferOffset + start)
                start += total
                return .dropped(drop)
            }
            let frame = MBusFrame(
                control: buffer[body.lowerBound],
                address: buffer[body.lowerBound + 1],
                controlInformation: buffer[body.lowerBound + 2],
                data: buffer[(body.lowerBound + 3)..<body.upperBound],
                offset: bufferOffset + start)
            start += total
            return .frame(frame)
        }
        return nil
    }

    public mutating func finish() -> Drop? {
        defer {
            bufferOffset += buffer.count
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        guard start < buffer.count else { return nil }
        return Drop(.truncatedFrame, offset: bufferOffset + start, detail: "\(buffer.count - start) bytes")
    }
}
