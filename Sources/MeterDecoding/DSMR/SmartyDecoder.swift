/// The decoding pipeline of a Luxembourg Smarty P1 port (meter type `smarty`):
///
///     bytes -> SmartyFrameFramer -> GlobalCipheredAPDU -> DLMSSecurity (AES-128-GCM, AAD = SC || AK)
///           -> plaintext P1 telegram -> P1TelegramFramer (CRC16) -> parser -> builder -> Reading
///
/// The key is the reader's `key`; with `auth_key` (the fixed Luxembourg authentication key) the GCM tag is
/// verified. Without a key every frame is dropped as `noKey`.
public struct SmartyDecoder: ReadingDecoder {
    /// Input is processed in slices of this size so the framer's buffer stays bounded whatever the caller passes.
    static let sliceSize = 4096

    private var framer = SmartyFrameFramer()
    private let security: DLMSSecurity
    private var stage: P1TelegramStage
    private var plaintextFramer = P1TelegramFramer()
    public private(set) var statistics = DecoderStatistics()
    public var identification: String? { stage.identification }

    public init(configuration: DecoderConfiguration) throws(AESGCMDecryptor.Failure) {
        security = try DLMSSecurity(key: configuration.key, authenticationKey: configuration.authenticationKey)
        stage = P1TelegramStage(configuration: configuration)
    }

    /// For tests: a fixed clock for telegrams without a time.
    public mutating func setClock(_ now: @escaping @Sendable () -> Int64) {
        stage.builder.now = now
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (DecoderEvent) -> Void) {
        statistics.bytes += bytes.count
        var position = 0
        while position < bytes.count {
            let end = min(position + Self.sliceSize, bytes.count)
            framer.append(UnsafeRawBufferPointer(rebasing: bytes[position..<end]))
            while let event = framer.next() { handle(event, emit: emit) }
            position = end
        }
        statistics.skippedBytes = framer.skippedBytes
    }

    public mutating func finish(emit: (DecoderEvent) -> Void) {
        if let drop = framer.finish() { report(drop, emit: emit) }
        statistics.skippedBytes = framer.skippedBytes
    }

    private mutating func handle(_ event: SmartyFrameFramer.Event, emit: (DecoderEvent) -> Void) {
        switch event {
        case .dropped(let drop):
            report(drop, emit: emit)
        case .frame(let frame, let offset):
            statistics.frames += 1
            guard let plaintext = decrypt(frame, offset: offset, emit: emit) else { return }
            decodeTelegram(plaintext, offset: offset, emit: emit)
        }
    }

    private mutating func decrypt(_ frame: ArraySlice<UInt8>, offset: Int, emit: (DecoderEvent) -> Void) -> [UInt8]? {
        let apdu: GlobalCipheredAPDU
        do {
            apdu = try GlobalCipheredAPDU(decoding: frame)
        } catch {
            report(Drop(.malformedAPDU, offset: offset, detail: error.description), emit: emit)
            return nil
        }
        do {
            return try security.unprotect(apdu)
        } catch {
            let title = "system title \(Hex.string(apdu.systemTitle))"
            switch error {
            case .noKey: report(Drop(.noKey, offset: offset, detail: title), emit: emit)
            case .unsupportedSecurity(let control):
                report(Drop(.unsupportedSecurity, offset: offset, detail: security.unsupportedDetail(control)), emit: emit)
            case .tagMismatch: report(Drop(.authenticationFailed, offset: offset, detail: title), emit: emit)
            case .malformed: report(Drop(.malformedAPDU, offset: offset, detail: "ciphered APDU too short"), emit: emit)
            }
            return nil
        }
    }

    /// The plaintext must be exactly one P1 telegram with a valid CRC; a wrong key without `auth_key` yields noise.
    private mutating func decodeTelegram(_ plaintext: [UInt8], offset: Int, emit: (DecoderEvent) -> Void) {
        var found = false
        var position = 0
        while true {
            let next = plaintext.withUnsafeBytes { plaintextFramer.next(in: $0, at: &position, streamOffset: 0) }
            guard let event = next ?? plaintextFramer.finish() else { break }
            found = true
            switch event {
            case .telegram:
                let telegram = plaintextFramer.telegram
                stage.decode(telegram, offset: offset, statistics: &statistics, emit: emit)
            case .dropped(let drop):
                report(Drop(drop.reason, offset: offset, detail: drop.detail), emit: emit)
            }
        }
        if !found {
            report(Drop(.decryptionFailed, offset: offset, detail: "plaintext is not a P1 telegram"), emit: emit)
        }
    }

    private mutating func report(_ drop: Drop, emit: (DecoderEvent) -> Void) {
        statistics.count(drop)
        emit(.dropped(drop))
    }
}
