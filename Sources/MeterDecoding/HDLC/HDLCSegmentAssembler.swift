/// Joins HDLC segments (segmentation bit set on all but the last frame, AM550 style) into one link payload and
/// strips the LLC header (`E6 E7 00` from the meter, `E6 E6 00` towards it).
///
/// A segmented sequence must start with a frame carrying the LLC header. Continuation segments that arrive without
/// their first segment (because it was damaged) are dropped up to and including the sequence's last frame; a new
/// first segment while a sequence is open means the open one lost its end, and it is dropped.
public struct HDLCSegmentAssembler: SegmentAssembler {
    public static let maximumPayload = 65_536

    private var payload: [UInt8] = []
    private var assembling = false
    private var assemblyOffset = 0
    /// Inside a sequence whose start was lost: drop until its last frame.
    private var discarding = false

    public init() {}


    /// A frame was lost on the link: the sequence being assembled can no longer complete.
    public mutating func linkBroken(at offset: Int) -> Drop? {
        guard assembling else { return nil }
        assembling = false
        discarding = true
        payload.removeAll(keepingCapacity: true)
        return Drop(.incompleteMessage, offset: assemblyOffset, detail: "HDLC segment lost")
    }

    public mutating func add(_ frame: HDLCFrame, emit: (AssemblerOutput) -> Void) {
        guard frame.isUnnumberedInformation || frame.isInformation else { return }
        let information = frame.information
        let llcLength = Self.llcHeaderLength(information)
        if assembling && llcLength > 0 {
            emit(.dropped(Drop(.incompleteMessage, offset: assemblyOffset, detail: "new first segment")))
            assembling = false
        }
        if assembling {
            continueSequence(with: frame, emit: emit)
            return
        }
        if discarding {
            guard llcLength > 0 else {
                // A continuation of the sequence whose first segment was lost; its last frame ends it.
                if !frame.segmented { discarding = false }
                emit(.dropped(Drop(.orphanSegment, offset: frame.offset)))
                return
            }
            discarding = false
        }
        if !frame.segmented {
            if !information.isEmpty { emit(.payload(information.dropFirst(llcLength), offset: frame.offset)) }
            return
        }
        guard llcLength > 0 else {
            discarding = true
            emit(.dropped(Drop(.orphanSegment, offset: frame.offset)))
            return
        }
        assembling = true
        assemblyOffset = frame.offset
        payload.removeAll(keepingCapacity: true)
        payload.append(contentsOf: information.dropFirst(llcLength))
    }

    private mutating func continueSequence(with frame: HDLCFrame, emit: (AssemblerOutput) -> Void) {
        guard payload.count + frame.information.count <= Self.maximumPayload else {
            assembling = false
            discarding = frame.segmented
            payload.removeAll(keepingCapacity: true)
            emit(.dropped(Drop(.oversizedMessage, offset: assemblyOffset)))
            return
        }
        payload.append(contentsOf: frame.information)
        guard !frame.segmented else { return }
        assembling = false
        emit(.payload(payload[...], offset: assemblyOffset))
    }

    /// Called at the end of the input: a sequence still open is incomplete.
    public mutating func finish() -> Drop? {
        defer { assembling = false; discarding = false; payload.removeAll() }
        return assembling ? Drop(.incompleteMessage, offset: assemblyOffset, detail: "last HDLC segment missing") : nil
    }

    static func llcHeaderLength(_ information: ArraySlice<UInt8>) -> Int {
        guard information.count >= 3 else { return 0 }
        let i = information.startIndex
        let destination = information[i], source = information[i + 1], quality = information[i + 2]
        return destination == 0xE6 && (source == 0xE7 || source == 0xE6) && quality == 0x00 ? 3 : 0
    }
}
