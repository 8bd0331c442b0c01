/// The application layer of a DLMS push meter: link payloads in, data-notifications out. Handles
/// general-block-transfer and general-glo-ciphering in whatever nesting the meter uses.
public struct DLMSMessageDecoder {
    public enum Output {
        case notification(DataNotification, offset: Int)
        case dropped(Drop)
    }

    private var blockTransfer = GeneralBlockTransfer()
    private let security: DLMSSecurity

    public init(security: DLMSSecurity) {
        self.security = security
    }

    /// Decodes one link payload (an APDU or a GBT block), calling `emit` for each result.
    public mutating func decode(_ apdu: ArraySlice<UInt8>, offset: Int, emit: (Output) -> Void) {
        guard let tag = apdu.first else { return }
        switch tag {
        case GeneralBlockTransfer.tag:
            var interrupted: Drop? = nil
            let output = blockTransfer.add(apdu, offset: offset, interrupted: &interrupted)
            if let interrupted { emit(.dropped(interrupted)) }
            switch output {
            case .apdu(let inner, let innerOffset)?:
                if inner.first == GeneralBlockTransfer.tag {
                    emit(.dropped(Drop(.malformedAPDU, offset: innerOffset, detail: "block transfer inside block transfer")))
                } else {
                    decode(inner, offset: innerOffset, emit: emit)
                }
            case .dropped(let drop)?:
                emit(.dropped(drop))
            case nil:
                break
            }
        case GlobalCipheredAPDU.generalGlobalCiphering, GlobalCipheredAPDU.generalDedicatedCiphering:
            decodeCiphered(apdu, offset: offset, emit: emit)
        case DataNotification.tag:
            do {
                emit(.notification(try DataNotification(decoding: apdu), offset: offset))
            } catch {
                emit(.dropped(Drop(.malformedAPDU, offset: offset, detail: error.description)))
            }
        default:
            emit(.dropped(Drop(.unsupportedAPDU, offset: offset, detail: "tag 0x\(Hex.string([tag]))")))
        }
    }

    private func decodeCiphered(_ apdu: ArraySlice<UInt8>, offset: Int, emit: (Output) -> Void) {
        let ciphered: GlobalCipheredAPDU
        do {
            ciphered = try GlobalCipheredAPDU(decoding: apdu)
        } catch {
            emit(.dropped(Drop(.malformedAPDU, offset: offset, detail: error.description)))
            return
        }
        let plaintext: [UInt8]
        do {
            plaintext = try security.unprotect(ciphered)
        } catch {
            let systemTitle = "system title \(Hex.string(ciphered.systemTitle))"
            switch error {
            case .noKey: emit(.dropped(Drop(.noKey, offset: offset, detail: systemTitle)))
            case .unsupportedSecurity(let control):
                emit(.dropped(Drop(.unsupportedSecurity, offset: offset, detail: "0x\(Hex.string([control]))")))
            case .tagMismatch: emit(.dropped(Drop(.authenticationFailed, offset: offset, detail: systemTitle)))
            case .malformed: emit(.dropped(Drop(.malformedAPDU, offset: offset, detail: "ciphered APDU too short")))
            }
            return
        }
        guard plaintext.first == DataNotification.tag else {
            // Unauthenticated decryption with a wrong key yields noise: never hand it on.
            let detail = "plaintext starts with 0x\(plaintext.first.map { Hex.string([$0]) } ?? "--"), " +
                "system title \(Hex.string(ciphered.systemTitle))"
            emit(.dropped(Drop(.decryptionFailed, offset: offset, detail: detail)))
            return
        }
        do {
            emit(.notification(try DataNotification(decoding: plaintext[...]), offset: offset))
        } catch {
            emit(.dropped(Drop(.decryptionFailed, offset: offset, detail: error.description)))
        }
    }

    public mutating func finish(emit: (Output) -> Void) {
        if let drop = blockTransfer.finish() { emit(.dropped(drop)) }
    }
}
