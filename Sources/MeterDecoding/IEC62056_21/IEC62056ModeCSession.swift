/// The IEC 62056-21 mode C dialogue for one data readout, free of I/O so the collector's serial reader can drive
/// it and a test can play the meter:
///
///     reader -> meter   /?! CR LF                  (300 baud 7E1; with an address: /?ADDRESS! CR LF)
///     meter  -> reader  /SIE5TD3511 CR LF          identification; 5th character = highest baud rate (mode C)
///     reader -> meter   ACK 0 Z 0 CR LF            Z = chosen baud-rate character, Y = 0: data readout
///                       (both switch to the new baud rate)
///     meter  -> reader  STX data lines ! CR LF ETX BCC
///
/// The reader performs the actions in order: `send` (and drain the line before a following `setBaudRate`),
/// `setBaudRate`, `deliver` (bytes for `IEC62056ReadoutDecoder`), `finished` (readout complete: close or wait for
/// the next interval and `start` again), `failed` (reason; start again after the meter's inactivity time).
public struct IEC62056ModeCSession: Sendable {
    public enum Action: Equatable, Sendable {
        case send([UInt8])
        case setBaudRate(Int)
        case deliver([UInt8])
        case finished
        case failed(String)
    }

    /// Mode C baud-rate characters '0' ... '6'.
    public static let baudRates = [300, 600, 1200, 2400, 4800, 9600, 19_200]
    public static let ack: UInt8 = 0x06

    /// Bytes skipped before the identification's `/` (line noise, a wrong speed) before the sign-on fails.
    public static let maximumNoise = 256
    /// Bytes of the data block (STX through BCC) before the readout fails for want of an ETX.
    public static let maximumDataLength = IEC62056ReadoutFramer.defaultMaximumLength + 64

    private enum State: Sendable {
        case idle
        case identification([UInt8], noise: Int)
        case data(sawEndOfText: Bool, length: Int)
    }

    public let address: String
    public let maximumBaudRate: Int
    private var state = State.idle
    /// The identification line of the current readout (without `/` and line end).
    public private(set) var identification = ""

    public init(address: String = "", maximumBaudRate: Int = 19_200) {
        self.address = address
        self.maximumBaudRate = maximumBaudRate
    }

    /// The sign-on request `/?ADDRESS!` CR LF (also sent by `smartmeter-config detect`).
    public static func signOnRequest(address: String = "") -> [UInt8] {
        Array("/?\(address)!\r\n".utf8)
    }

    /// Begins a readout: back to 300 baud and the sign-on request.
    public mutating func start() -> [Action] {
        state = .identification([], noise: 0)
        identification = ""
        return [.setBaudRate(300), .send(Self.signOnRequest(address: address))]
    }

    /// Bytes from the meter.
    public mutating func receive<C: Collection>(_ bytes: C) -> [Action] where C.Element == UInt8 {
        var actions: [Action] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            switch state {
            case .idle:
                return actions
            case .identification(var line, var noise):
                let byte = bytes[index]
                index = bytes.index(after: index)
                if byte == UInt8(ascii: "\n") {
                    if line.elementsEqual(Self.signOnRequest(address: address).dropLast(2)) {
                        state = .identification([], noise: noise + line.count)   // our request echoed (half duplex)
                    } else {
                        actions += acknowledge(line)
                    }
                } else if byte != UInt8(ascii: "\r") {
                    if line.isEmpty && byte != UInt8(ascii: "/") {   // noise before '/'
                        noise += 1
                        if noise > Self.maximumNoise {
                            state = .idle
                            return actions + [.failed("no identification in \(Self.maximumNoise) bytes of noise")]
                        }
                        state = .identification(line, noise: noise)
                        continue
                    }
                    line.append(byte)
                    if line.count > 64 {
                        state = .idle
                        return actions + [.failed("identification longer than 64 bytes")]
                    }
                    state = .identification(line, noise: noise)
                }
            case .data(let sawEndOfText, let length):
                let rest = bytes[index...]
                var consumed = rest.endIndex
                var done = false
                if sawEndOfText {
                    consumed = rest.index(after: rest.startIndex)   // the BCC
                    done = true
                } else if let etx = rest.firstIndex(of: IEC62056ReadoutFramer.etx) {
                    let afterETX = rest.index(after: etx)
                    if afterETX != rest.endIndex {
                        consumed = rest.index(after: afterETX)
                        done = true
                    } else {
                        state = .data(sawEndOfText: true, length: length + rest.count)
                    }
                } else {
                    state = .data(sawEndOfText: false, length: length + rest.count)
                }
                if !done, length + rest.count > Self.maximumDataLength {
                    state = .idle
                    return actions + [.failed("no end of the data block (ETX) in \(Self.maximumDataLength) bytes")]
                }
                actions.append(.deliver(Array(rest[..<consumed])))
                index = consumed
                if done {
                    state = .idle
                    actions.append(.finished)
                }
            }
        }
        return actions
    }

    /// No answer within the reader's timeout.
    public mutating func timeout() -> [Action] {
        switch state {
        case .idle: return []
        case .identification: state = .idle; return [.failed("no identification from the meter")]
        case .data: state = .idle; return [.failed("data readout incomplete")]
        }
    }

    private mutating func acknowledge(_ line: [UInt8]) -> [Action] {
        guard line.count >= 5, line[0] == UInt8(ascii: "/") else {
            state = .idle
            return [.failed("not an identification: '\(String(decoding: line, as: UTF8.self))'")]
        }
        identification = String(decoding: line.dropFirst(), as: UTF8.self)
        let offered = Int(line[4]) - Int(UInt8(ascii: "0"))
        let allowed = Self.baudRates.lastIndex { $0 <= maximumBaudRate } ?? 0
        let chosen = (0..<Self.baudRates.count).contains(offered) ? min(offered, allowed) : 0
        let character = UInt8(ascii: "0") + UInt8(chosen)
        state = .data(sawEndOfText: false, length: 0)
        return [
            .deliver(line + Array("\r\n".utf8)),
            .send([Self.ack, UInt8(ascii: "0"), character, UInt8(ascii: "0"), UInt8(ascii: "\r"), UInt8(ascii: "\n")]),
            .setBaudRate(Self.baudRates[chosen]),
        ]
    }
}
