/// Wraps an APDU into DLMS general-block-transfer blocks (IEC 62056-5-3 9.3.9, streaming, no acknowledgement) and
/// each block into one HDLC UI frame (IEC 62056-46 frame format type 3) with HCS and FCS, as the L+G meters do in
/// `testdata/hdlc/lge450-gbt-2-messages.hex` and `lge570-encrypted-gbt.hex`: the first frame carries the
/// LLC header E6 E7 00, the others do not; flags are not shared between frames.
struct HDLCFrameWriter {
    /// HDLC destination address bytes (the last has its low bit set) and source address, as captured.
    let destination: [UInt8]
    let source: UInt8

    /// The frames of one message, `blocks` general-block-transfer blocks of about equal size.
    func frames(apdu: [UInt8], blocks: Int) -> [UInt8] {
        let size = (apdu.count + blocks - 1) / blocks
        var out: [UInt8] = []
        var number: UInt16 = 1
        var offset = 0
        while offset < apdu.count {
            let end = min(offset + size, apdu.count)
            let last = end == apdu.count
            var block: [UInt8] = [0xE0, last ? 0xC0 : 0x40, UInt8(number >> 8), UInt8(number & 0xFF), 0x00, 0x00]
            block += AXDRWriter.length(end - offset) + apdu[offset..<end]
            out += frame(information: (number == 1 ? [0xE6, 0xE7, 0x00] : []) + block)
            number += 1
            offset = end
        }
        return out
    }

    /// One frame: flag, format + length, addresses, control 0x13 (UI, final), HCS, information, FCS, flag.
    func frame(information: [UInt8]) -> [UInt8] {
        let headerLength = 2 + destination.count + 1 + 1 + 2
        let length = headerLength + information.count + 2
        precondition(length <= 0x7FF, "HDLC frame too long")
        var body: [UInt8] = [0xA0 | UInt8(length >> 8), UInt8(length & 0xFF)] + destination + [source, 0x13]
        let hcs = Checksums.x25(body)
        body += [UInt8(hcs & 0xFF), UInt8(hcs >> 8)]
        body += information
        let fcs = Checksums.x25(body)
        body += [UInt8(fcs & 0xFF), UInt8(fcs >> 8)]
        return [0x7E] + body + [0x7E]
    }
}
