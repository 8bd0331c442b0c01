/// A link layer of a push meter: raw bytes in, complete link payloads (APDUs or block-transfer blocks) out.
protocol LinkLayerDecoder {
    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (LinkOutput) -> Void)
    /// End of input: report what was cut short.
    mutating func finish(emit: (LinkOutput) -> Void)
    var skippedBytes: Int { get }
}

enum LinkOutput {
    /// A frame with valid checksums arrived (counted in the statistics).
    case frame
    case payload(ArraySlice<UInt8>, offset: Int)
    case dropped(Drop)
}

/// Cuts bytes into checked frames (HDLC, M-Bus).
public protocol LinkFramer {
    associatedtype Frame
    mutating func append(_ bytes: UnsafeRawBufferPointer)
    /// The next frame or drop, nil when more bytes are needed.
    mutating func next() -> LinkEvent<Frame>?
    /// End of input: the frame cut short, if any.
    mutating func finish() -> Drop?
    var skippedBytes: Int { get }
}

/// What a segment assembler hands on.
public enum AssemblerOutput {
    /// A complete link payload (link headers removed).
    case payload(ArraySlice<UInt8>, offset: Int)
    case dropped(Drop)
}

/// Joins the frames of one segmented payload.
public protocol SegmentAssembler {
    associatedtype Frame
    mutating func add(_ frame: Frame, emit: (AssemblerOutput) -> Void)
    /// A frame was lost: the open sequence, if any, is dropped.
    mutating func linkBroken(at offset: Int) -> Drop?
    mutating func finish() -> Drop?
}

/// A framer followed by its segment assembler.
struct FramedLink<Framer: LinkFramer, Assembler: SegmentAssembler>: LinkLayerDecoder
where Framer.Frame == Assembler.Frame {
    private var framer: Framer
    private var assembler: Assembler

    init(framer: Framer, assembler: Assembler) {
        self.framer = framer
        self.assembler = assembler
    }

    var skippedBytes: Int { framer.skippedBytes }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (LinkOutput) -> Void) {
        framer.append(bytes)
        while let event = framer.next() {
            switch event {
            case .frame(let frame):
                emit(.frame)
                assembler.add(frame) { output in
                    switch output {
                    case .payload(let payload, let offset): emit(.payload(payload, offset: offset))
                    case .dropped(let drop): emit(.dropped(drop))
                    }
                }
            case .dropped(let drop):
                emit(.dropped(drop))
                if let broken = assembler.linkBroken(at: drop.offset) { emit(.dropped(broken)) }
            }
        }
    }

    mutating func finish(emit: (LinkOutput) -> Void) {
        if let drop = framer.finish() { emit(.dropped(drop)) }
        if let drop = assembler.finish() { emit(.dropped(drop)) }
    }
}
