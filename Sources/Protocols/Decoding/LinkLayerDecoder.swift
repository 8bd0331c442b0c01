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

/// HDLC framing plus segment reassembly.
struct HDLCLink: LinkLayerDecoder {
    private var framer = HDLCFramer()
    private var assembler = HDLCSegmentAssembler()

    var skippedBytes: Int { framer.skippedBytes }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (LinkOutput) -> Void) {
        framer.append(bytes)
        while let event = framer.next() {
            switch event {
            case .frame(let frame):
                emit(.frame)
                switch assembler.add(frame) {
                case .payload(let payload, let offset)?: emit(.payload(payload, offset: offset))
                case .dropped(let drop)?: emit(.dropped(drop))
                case nil: break
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

/// M-Bus long-frame framing plus segment reassembly.
struct MBusLink: LinkLayerDecoder {
    private var framer = MBusFramer()
    private var assembler = MBusSegmentAssembler()

    var skippedBytes: Int { framer.skippedBytes }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (LinkOutput) -> Void) {
        framer.append(bytes)
        while let event = framer.next() {
            switch event {
            case .frame(let frame):
                emit(.frame)
                switch assembler.add(frame) {
                case .payload(let payload, let offset)?: emit(.payload(payload, offset: offset))
                case .dropped(let drop)?: emit(.dropped(drop))
                case nil: break
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
