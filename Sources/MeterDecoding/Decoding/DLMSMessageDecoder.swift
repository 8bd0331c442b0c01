/// The application layer of a DLMS push meter: link payloads in, data-notifications out. Handles
/// general-block-transfer and general-glo-ciphering in whatever nesting the meter uses.
///
/// Allocation-free in steady state: the block-transfer buffer, the plaintext and the decoded notification are
/// reused from message to message.
struct DLMSMessageDecoder {
    enum Output {
        /// A data-notification, decoded into `notification`.
        case notification(offset: Int)
        case dropped(Drop)
    }

    /// What one link payload gave: a message it interrupted (a new first block), and its own result if it completed one.
    struct Result {
        var interrupted: Drop? = nil
        var output: Output? = nil
    }

    private var blockTransfer = GeneralBlockTransfer()
    private let security: DLMSSecurity
    private var plaintext: [UInt8] = []
    /// The last data-notification decoded (valid after an `.notification` output until the next `decode`).
    private(set) var notification = DecodedNotification()

    init(security: DLMSSecurity) {
        self.security = security
        plaintext.reserveCapacity(1024)
    }

    /// Decodes one link payload (an APDU or a GBT block).
    mutating func decode(_ apdu: ArraySlice<UInt8>, offset: Int) -> Result {
        guard let tag = apdu.first else { return Result() }
        switch tag {
        case GeneralBlockTransfer.tag:
            var result = Result()
            switch blockTransfer.add(apdu, offset: offset, interrupted: &result.interrupted) {
            case .apdu(let inner, let innerOffset)?:
                if inner.first == GeneralBlockTransfer.tag {
                    result.output = .dropped(Drop(.malformedAPDU, offset: innerOffset,
                                                  detail: "block transfer inside block transfer"))
                } else {
                    result.output = decode(inner, offset: innerOffset).output
                }
            case .dropped(let drop)?:
                result.output = .dropped(drop)
            case nil:
                break
            }
            return result
        case GlobalCipheredAPDU.generalGlobalCiphering, GlobalCipheredAPDU.generalDedicatedCiphering:
            return Result(output: decodeCiphered(apdu, offset: offset))
        case DataNotification.tag:
            do {
                try notification.decode(apdu)
                return Result(output: .notification(offset: offset))
            } catch {
                return Result(output: .dropped(Drop(.malformedAPDU, offset: offset, detail: error.description)))
            }
        default:
            return Result(output: .dropped(Drop(.unsupportedAPDU, offset: offset, detail: "tag 0x\(Hex.string([tag]))")))
        }
    }

    private mutating func decodeCiphered(_ apdu: ArraySlice<UInt8>, offset: Int) -> Output {
        let ciphered: GlobalCipheredAPDU
        do {
            ciphered = try GlobalCipheredAPDU(decoding: apdu)
        } catch {
            return .dropped(Drop(.malformedAPDU, offset: offset, detail: error.description))
        }
        do {
            try security.unprotect(ciphered, into: &plaintext)
        } catch {
            let systemTitle = "system title \(Hex.string(ciphered.systemTitleBytes))"
            switch error {
            case .noKey: return .dropped(Drop(.noKey, offset: offset, detail: systemTitle))
            case .unsupportedSecurity(let control):
                return .dropped(Drop(.unsupportedSecurity, offset: offset, detail: security.unsupportedDetail(control)))
            case .tagMismatch: return .dropped(Drop(.authenticationFailed, offset: offset, detail: systemTitle))
            case .malformed: return .dropped(Drop(.malformedAPDU, offset: offset, detail: "ciphered APDU too short"))
            }
        }
        guard plaintext.first == DataNotification.tag else {
            // Unauthenticated decryption with a wrong key yields noise: never hand it on.
            let detail = "plaintext starts with 0x\(plaintext.first.map { Hex.string([$0]) } ?? "--"), " +
                "system title \(Hex.string(ciphered.systemTitleBytes))"
            return .dropped(Drop(.decryptionFailed, offset: offset, detail: detail))
        }
        do {
            try notification.decode(plaintext[...])
            return .notification(offset: offset)
        } catch {
            return .dropped(Drop(.decryptionFailed, offset: offset, detail: error.description))
        }
    }

    mutating func finish() -> Drop? {
        blockTransfer.finish()
    }
}
