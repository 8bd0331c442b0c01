/// Joins the DLMS APDU that the Austrian customer interface splits over several M-Bus long frames.
///
/// The CI field numbers the segments: the low nibble counts from 0, bit 0x10 marks the last one. Each segment's
/// data starts with the transport SAPs (STSAP, DTSAP), which are removed. A gap in the numbering drops the message.
public struct MBusSegmentAssembler: SegmentAssembler {
    public static let maximumPayload = 65_536

    private var payload: [UInt8] = []
    private var expected: UInt8? = nil
    private var assemblyOffset = 0

    public init() {}


    public mutating func linkBroken(at offset: Int) -> Drop? {
        guard expected != nil else { return nil }
        expected = nil
        payload.removeAll(keepingCapacity: true)
        return Drop(.incompleteMessage, offset: assemblyOffset, detail: "M-Bus segment lost")
    }

    public mutating func add(_ frame: MBusFrame, emit: (AssemblerOutput) -> Void) {
        let ci = frame.controlInformation
        guard ci & 0xE0 == 0 else { return }   // not a segmented DLMS transport frame
        let sequence = ci & 0x0F
        let isLast = ci & 0x10 != 0
        guard frame.data.count >= 2 else {
            emit(.dropped(Drop(.malformedAPDU, offset: frame.offset, detail: "no transport SAPs")))
            return
        }
        if sequence == 0 {
            if expected != nil {
                emit(.dropped(Drop(.incompleteMessage, offset: assemblyOffset, detail: "new message started")))
            }
            payload.removeAll(keepingCapacity: true)
            assemblyOffset = frame.offset
            expected = 0
        }
        guard let wanted = expected else {
            emit(.dropped(Drop(.orphanSegment, offset: frame.offset)))
            return
        }
        guard sequence == wanted else {
            expected = nil
            emit(.dropped(Drop(.missingBlock, offset: assemblyOffset, detail: "segment \(sequence), expected \(wanted)")))
            return
        }
        let data = frame.data.dropFirst(2)
        guard payload.count + data.count <= Self.maximumPayload else {
            expected = nil
            emit(.dropped(Drop(.oversizedMessage, offset: assemblyOffset)))
            return
        }
        payload.append(contentsOf: data)
        guard isLast else {
            expected = (wanted + 1) & 0x0F
            return
        }
        expected = nil
        emit(.payload(payload[...], offset: assemblyOffset))
    }

    public mutating func finish() -> Drop? {
        defer { expected = nil; payload.removeAll() }
        return expected != nil ? Drop(.incompleteMessage, offset: assemblyOffset, detail: "last M-Bus segment missing") : nil
    }
}
