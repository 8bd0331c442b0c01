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
        kind = !held.isEmpty && held.prefix(Self.sniffLength).allSatisfy(Hex.isCaptureText) ? .hex : .raw
        held.withUnsafeBytes { feed($0, emit: emit) }
    }

    private mutating func convert(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        if output.count < input.count / 2 + 1 { output = [UInt8](repeating: 0, count: input.count / 2 + 1) }
        var high = pendingHigh.map(Int.init) ?? -1
        var last = previous
        var skipped = 0
        let produced = output.withUnsafeMutableBufferPointer { out -> Int in
            Self.classes.withUnsafeBufferPointer { classes -> Int in
                Self.pairs.withUnsafeBufferPointer { pairs -> Int in
                    Self.notBlankTable.withUnsafeBufferPointer { notBlank -> Int in
                        var written = 0
                        var index = 0
                        while index < input.count {
                            if high < 0 && index + 3 <= input.count {
                                // The usual shape of a hex dump, two digits and a blank: one look-up for the digits (as a
                                // little-endian pair of bytes), one for the blank.
                                let start = index
                                // Four at a time while they all have that shape: one check for the twelve characters,
                                // one store for the four bytes.
                                if let bytes = input.baseAddress, let target = out.baseAddress, let pairTable = pairs.baseAddress,
                                   let blankTable = notBlank.baseAddress {
                                    let end = input.count
                                    while index &+ 12 <= end {
                                        let at = bytes + index
                                        let p0 = pairTable[Int(UInt16(littleEndian: at.loadUnaligned(as: UInt16.self)))]
                                        let p1 = pairTable[Int(UInt16(littleEndian: at.loadUnaligned(fromByteOffset: 3, as: UInt16.self)))]
                                        let p2 = pairTable[Int(UInt16(littleEndian: at.loadUnaligned(fromByteOffset: 6, as: UInt16.self)))]
                                        let p3 = pairTable[Int(UInt16(littleEndian: at.loadUnaligned(fromByteOffset: 9, as: UInt16.self)))]
                                        let separators = blankTable[Int(at.load(fromByteOffset: 2, as: UInt8.self))]
                                            | blankTable[Int(at.load(fromByteOffset: 5, as: UInt8.self))]
                                            | blankTable[Int(at.load(fromByteOffset: 8, as: UInt8.self))]
                                            | blankTable[Int(at.load(fromByteOffset: 11, as: UInt8.self))]
                                        guard (p0 | p1 | p2 | p3) < 0x100, separators == 0 else { break }
                                        let word = UInt32(p0) | UInt32(p1) &<< 8 | UInt32(p2) &<< 16 | UInt32(p3) &<< 24
                                        UnsafeMutableRawPointer(target + written).storeBytes(of: word.littleEndian, as: UInt32.self)
                                        written &+= 4
                                        index &+= 12
                                    }
                                }
                                while index + 3 <= input.count {
                                    let pair = pairs[Int(input.loadUnaligned(fromByteOffset: index, as: UInt16.self))]
                                    guard pair < 0x100, classes[Int(input[index + 2])] == Self.blank else { break }
                                    out[written] = UInt8(truncatingIfNeeded: pair)
                                    written += 1
                                    index += 3
                                }
                                if index > start { last = input[index - 1] }
                                if index >= input.count { break }
                            }
                            let character = input[index]
                            // One table look-up per character: 0-15 a digit's value, `blank` a separator, `other` the rest.
                            let value = classes[Int(character)]
                            if value < 16 && high < 0 && index + 1 < input.count {
                                let next = classes[Int(input[index + 1])]
                                if next < 16 {  // both digits of a byte, the usual case
                                    out[written] = value << 4 | next
                                    written += 1
                                    last = input[index + 1]
                                    index += 2
                                    continue
                                }
                            }
                            if value < 16 {
                                if high >= 0 {
                                    out[written] = UInt8(truncatingIfNeeded: high << 4) | value
                                    written += 1
                                    high = -1
                                } else {
                                    high = Int(value)
                                }
                            } else if value == Self.other {
                                if (character == UInt8(ascii: "x") || character == UInt8(ascii: "X")) && high == 0
                                    && last == UInt8(ascii: "0") {
                                    high = -1  // "0x" prefix
                                } else {
                                    skipped += 1
                                }
                            }
                            last = character
                            index += 1
                        }
                        return written
                    }
                }
            }
        }
        skippedCharacters += skipped
        pendingHigh = high >= 0 ? UInt8(high) : nil
        previous = last
        if produced > 0 { output.withUnsafeBytes { emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
    }

    /// Two hex digits read as a little-endian `UInt16` (the first in the low byte): the byte they make, or 0x100
    /// when either is not a hex digit.
    private static let pairs: [UInt16] = (0...0xFFFF).map { pair in
        guard let high = Hex.nibbleValue(UInt8(pair & 0xFF)), let low = Hex.nibbleValue(UInt8(pair >> 8)) else { return 0x100 }
        return UInt16(high) << 4 | UInt16(low)
    }
    /// 0 for a blank (space, tab, line break, comma), 1 for any other byte.
    private static let notBlankTable: [UInt8] = classes.map { $0 == blank ? 0 : 1 }
    private static let blank: UInt8 = 0x10
    private static let other: UInt8 = 0x20
    /// The class of each byte: a hex digit's value, `blank` (space, tab, line break, comma) or `other`.
    private static let classes: [UInt8] = (0...255).map { byte in
        if let nibble = Hex.nibbleValue(UInt8(byte)) { return nibble }
        switch UInt8(byte) {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","): return blank
        default: return other
        }
    }
}
