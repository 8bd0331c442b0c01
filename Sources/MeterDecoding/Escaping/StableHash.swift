internal import CLibCrypto

/// A short, stable name for untrusted text that had to be cut or escaped (topic levels, file names): the first 64
/// bits of its SHA-256, as 16 lowercase hex digits. The same input gives the same name on every machine and in every
/// version, and distinct meters keep distinct names short of a 64-bit collision.
public enum StableHash {
    public static func hex64<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Hex.string(sha256(Array(bytes)).prefix(8)).lowercased()
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "libcrypto SHA-256 failed")
        return digest
    }
}
