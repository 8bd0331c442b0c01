/// A decoder of one meter's byte stream into readings: the contract every protocol (DLMS push, DSMR P1,
/// IEC 62056-21) fulfils so readers and tools can drive any of them.
///
/// Bytes may arrive in any chunking. Nothing is thrown: damaged input is dropped, counted in `statistics`, reported
/// as `.dropped` with its byte offset, and decoding continues with what follows.
public protocol ReadingDecoder {
    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (DecoderEvent) -> Void)
    /// End of input: reports what was cut short.
    mutating func finish(emit: (DecoderEvent) -> Void)
    var statistics: DecoderStatistics { get }
    /// What the meter says it is, when its messages carry it (a P1 telegram's identification line); untrusted text.
    var identification: String? { get }
}

public enum DecoderEvent: Sendable {
    case reading(Reading)
    case dropped(Drop)
}

extension ReadingDecoder {
    public var identification: String? { nil }

    public mutating func feed<C: Collection>(_ bytes: C, emit: (DecoderEvent) -> Void) where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ buffer -> Bool in
            feed(UnsafeRawBufferPointer(buffer), emit: emit)
            return true
        }), done {
            return
        }
        Array(bytes).withUnsafeBytes { feed($0, emit: emit) }
    }
}
