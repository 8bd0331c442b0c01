/// The bytes of a capture as users hand it over, converted as they arrive in chunks of any size: hex text
/// (whitespace, line breaks, commas and `0x` anywhere, also between the two digits of a byte) or the bytes as they are
/// (binary captures and P1 telegrams, which hold `/`, `!`, `(` and letters past F).
///
/// Which of the two is decided on the first `sniffLength` bytes (or all of them, when the input is shorter): hex when
/// every one is a hex digit, blank, line break, comma or `x`. A character that is none of these further on in a hex
/// capture is skipped and counted in `skippedCharacters`.
public struct CaptureText {
    public enum Kind: Sendable, Equatable {
        case undecided
        case hex
        case raw
    }

    public static let sniffLength = 4_096

    public private(set) var kind = Kind.undecided
    public private(set) var skippedCharacters = 0
    /// Bytes held until the kind is known.
    private var sniffed: [UInt8] = []
    private var pendingHigh: UInt8?
    private var previous: UInt8 = 0
    private var output: [UInt8] = []

    public init() {}

    /// Converts `input`; `emit` gets the capture's bytes (possibly none, possibly several times per call).
    public mutating func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        switch kind {
        case .undecided:
            sniffed.append(contentsOf: input)
            guard sniffed.count >= Self.sniffLength else { return }
            decide(emit: emit)
        case .hex:
            convert(input, emit: emit)
        case .raw:
            if !input.isEmpty { emit(input) }
        }
    }

    /// End of input: emits what a short input held back. A dangling half byte of hex is counted as skipped.
    public mutating func finish(emit: (UnsafeRawBufferPointer) -> Void) {
        if kind == .undecided { decide(emit: emit) }
        if pendingHigh != nil {
            skippedCharacters += 1
            pendingHigh = nil
        }
    }

    private mutating func decide(emit: (UnsafeRawBufferPointer) -> Void) {
        let held = sniffed
        sniffed = []
        kind = !held.isEmpty && held.allSatisfy(Hex.isCaptureText) ? .hex : .raw
        held.withUnsafeBytes { feed($0, emit: emit) }
    }

    private mutating func convert(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(input.count / 2 + 1)
        var high = pendingHigh
        var last = previous
        for character in input {
            defer { last = character }
            if let nibble = Hex.nibbleValue(character) {
                if let pending = high {
                    output.append(pending << 4 | nibble)
                    high = nil
                } else {
                    high = nibble
                }
                continue
            }
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","):
                continue
            case UInt8(ascii: "x"), UInt8(ascii: "X") where high == 0 && last == UInt8(ascii: "0"):
                high = nil  // "0x" prefix
            default:
                skippedCharacters += 1
            }
        }
        pendingHigh = high
        previous = last
        if !output.isEmpty { output.withUnsafeBytes(emit) }
    }
}
