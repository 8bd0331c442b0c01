/// What a UART set to one speed receives from a line driven at another: the sender's bytes become a bit signal
/// (start bit, eight data bits LSB first, even parity, stop bit; idle high), and the receiver waits for a falling
/// edge, samples the middle of each of its own bit times and hands on whatever byte it assembled (termios raw mode
/// does not drop bytes with parity or framing errors). This is the noise a meter at the wrong `baudrate` produces.
enum WrongBaudRate {
    /// The bytes received at `receiverBaud` when `bytes` are sent 8E1 at `senderBaud`.
    static func received(_ bytes: [UInt8], sentAt senderBaud: Int, readAt receiverBaud: Int) -> [UInt8] {
        // The line as levels per sender bit.
        var line: [Bool] = Array(repeating: true, count: 4)
        for byte in bytes {
            line.append(false)
            var parity = false
            for bit in 0..<8 {
                let one = byte >> UInt8(bit) & 1 == 1
                line.append(one)
                parity = parity != one
            }
            line.append(parity)   // even parity: the count of ones, parity included, is even
            line.append(true)
        }
        line += Array(repeating: true, count: 4)

        let senderBit = 1.0 / Double(senderBaud)
        let receiverBit = 1.0 / Double(receiverBaud)
        let end = Double(line.count) * senderBit
        func level(at time: Double) -> Bool {
            let index = Int(time / senderBit)
            return index < line.count ? line[index] : true
        }
        var received: [UInt8] = []
        var time = 0.0
        let step = min(senderBit, receiverBit) / 4
        while time < end {
            // Hunt for a falling edge.
            guard !level(at: time) else {
                time += step
                continue
            }
            let start = time
            guard !level(at: start + receiverBit / 2) else {   // a glitch, not a start bit
                time += step
                continue
            }
            var byte: UInt8 = 0
            for bit in 0..<8 where level(at: start + (1.5 + Double(bit)) * receiverBit) {
                byte |= 1 << UInt8(bit)
            }
            received.append(byte)
            // Parity and stop bit are sampled, not checked; the hunt resumes after the stop bit's middle.
            time = start + 10.5 * receiverBit
            while time < end && !level(at: time) { time += step }
        }
        return received
    }
}
