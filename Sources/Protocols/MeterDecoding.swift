/// The meter decoders are a target of their own below this one (no I/O, no C library but libcrypto); whoever imports
/// `Protocols` sees them too.
@_exported import MeterDecoding
