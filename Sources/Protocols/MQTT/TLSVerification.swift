internal import CMosquitto

/// Why OpenSSL refused the broker's certificate in the TLS handshake libmosquitto is doing, in OpenSSL's words
/// ("certificate has expired", "unable to get local issuer certificate"). libmosquitto itself only logs
/// "certificate verify failed"; asked while it logs that, the handshake's verification result is still there.
enum TLSVerification {
    /// nil without a handshake or when the chain verified (a host name mismatch is logged by libmosquitto itself).
    static func failure(of handle: OpaquePointer) -> String? {
        guard let ssl = mosquitto_ssl_get(handle) else { return nil }
        let result = SSL_get_verify_result(OpaquePointer(ssl))
        // libmosquitto's own check of the host name fails as "unspecified": it logs its own reason for that.
        guard ![X509_V_OK, X509_V_ERR_UNSPECIFIED, X509_V_ERR_APPLICATION_VERIFICATION].contains(Int32(result)) else { return nil }
        return String(cString: X509_verify_cert_error_string(result))
    }
}
