/// Joins HDLC segments (segmentation bit set on all but the last frame, AM550 style) into one link payload and
/// strips the LLC header (`E6 E7 00` from the meter, `E6 E6 00` towards it).
///
/// A segmented sequence must start with a frame carrying the LLC header; continuation segments that arrive without
/// their first segment (because it was damaged) are dropped up to and including the sequence's last frame.
public struct HDLCSegmentAssembler {
    public static let maximumPayload = 65_536

    private var payload: [UInt8] = []
    private var assembling = false
    private var assemblyOffset = 0
    /// Inside a sequence whose start was lost: drop until its last frame.
    private var discarding = false

    public init() {}

    public enum Output {
        /// A complete link payload (LLC header removed).
        case payload(ArraySlice<UInt8>, offset: Int)
        case dropped(Drop)
    }

    /// A frame was lost on the link: the sequence being assembled can no longer complete.
    public mutating func linkBroken(at offset: Int) -> Drop? {
        guard assembling else { return nil }
        assembling = false
        discarding = true
        payload.removeAll(keepingCapacity: true)
        return Drop(.incompleteMessage, offset: assemblyOffset, detail: "HDLC segment lost")
    }

    public mutating func add(_ frame: HDLCFrame) -> Output? {
        guard frame.isUnnumberedInformation || frame.isInformation else { return nil }
        let information = frame.information
        if !assembling {
            let llcLength = Self.llcHeaderLength(information)
            if discarding {
                // Continuations of a sequence whose first segment was lost; the last one ends it.
                if llcLength == 0 {
                    if !frame.segmented { discarding = false }
                    return .dropped(Drop(.orphanSegment, offset: frame.offset))
                }
                discarding = false
            }
            if !frame.segmented {
                return information.isEmpty ? nil : .payload(information.dropFirst(llcLength), offset: frame.offset)
            }
            guard llcLength > 0 else {
                discarding = true
                return .dropped(Drop(.orphanSegment, offset: frame.offset))
            }
            assembling = true
            assemblyOffset = frame.offset
            payload.removeAll(keepingCapacity: true)
            payload.append(contentsOf: information.dropFirst(llcLength))
            return nil
        }
        guard payload.count + information.count <= Self.maximumPayload else {
            assembling = false
            discarding = frame.segmented
            payload.removeAll(keepingCapacity: true)
            return .dropped(Drop(.oversizedMessage, offset: assemblyOffset))
        }
        payload.append(contentsOf: information)
        guard !frame.segmented else { return nil }
        assembling = false
        return .payload(payload[...], offset: assemblyOffset)
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
