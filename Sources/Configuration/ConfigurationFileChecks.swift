import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// Checks of what the configuration points at on this machine: certificate, key and CA files and replayed captures
/// must be regular readable files (a folder, FIFO, device or socket is refused: a FIFO would block the start), a
/// `port` a character device. Part of `ConfigurationRules`, which the collector and `validate` both run; a serial
/// device that does not exist (yet) or cannot be read is a warning, so the collector waits for an adapter plugged in
/// later.
public struct ConfigurationFileChecks: Sendable {
    public init() {}

    public func problems(in document: IniDocument) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        for section in document.sections {
            switch SectionKind(section.name) {
            case .reader?:
                if let entry = nonEmpty(section, "port"), section.value("file") == nil {
                    problems += checkDevice(entry, section: section.name)
                }
                if let entry = nonEmpty(section, "file") {
                    problems += checkFile(entry, section: section.name, pem: nil)
                }
            case .sink?:
                guard let type = section.value("type")?.lowercased(), type.hasPrefix("mqtt") else { continue }
                for key in ["ca_file_path", "client_cert_path"] {
                    if let entry = nonEmpty(section, key) { problems += checkFile(entry, section: section.name, pem: .certificate) }
                }
                if let entry = nonEmpty(section, "client_key_path") {
                    problems += checkFile(entry, section: section.name, pem: .privateKey)
                }
            case .logging?, .http?, nil:
                continue
            }
        }
        return problems
    }

    enum PEMKind {
        case certificate, privateKey
    }

    private func nonEmpty(_ section: IniDocument.Section, _ key: String) -> IniDocument.Entry? {
        guard let entry = section.entry(key), !entry.value.isEmpty else { return nil }
        return entry
    }

    private func checkDevice(_ entry: IniDocument.Entry, section: String) -> [ConfigurationProblem] {
        let path = entry.value
        var status = stat()
        guard stat(path, &status) == 0 else {
            return [ConfigurationProblem(
                "\(path) does not exist (yet): is the adapter plugged in? The collector waits for it",
                at: entry.location, section: section, key: entry.key, severity: .warning)]
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            return [ConfigurationProblem("\(path) is a directory, not a serial device", at: entry.location,
                                         section: section, key: entry.key)]
        }
        if status.st_mode & S_IFMT != S_IFCHR {
            return [ConfigurationProblem("\(path) is not a serial device; to replay a capture use 'file' instead of 'port'",
                                         at: entry.location, section: section, key: entry.key)]
        }
        if access(path, R_OK) != 0 {
            return [ConfigurationProblem(
                "\(path) is not readable by this user (add the service user to the 'dialout' group)",
                at: entry.location, section: section, key: entry.key, severity: .warning)]
        }
        return []
    }

    private func checkFile(_ entry: IniDocument.Entry, section: String, pem: PEMKind?) -> [ConfigurationProblem] {
        let path = entry.value
        func problem(_ message: String) -> [ConfigurationProblem] {
            [ConfigurationProblem(message, at: entry.location, section: section, key: entry.key)]
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            return problem(errno == ENOENT ? "\(path): no such file" : "\(path): \(FileSystem.errorText())")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return problem("\(path) is a directory, not a file")
        case S_IFIFO: return problem("\(path) is a FIFO, not a regular file (reading it could wait for ever)")
        default: return problem("\(path) is not a regular file (a device or a socket)")
        }
        guard access(path, R_OK) == 0 else { return problem("\(path) is not readable by this user") }
        guard let pem else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            return problem("\(path) is not readable by this user")
        }
        let text = String(decoding: data.prefix(1 << 20), as: UTF8.self)
        switch pem {
        case .certificate:
            if !text.contains("-----BEGIN CERTIFICATE-----") {
                return problem("\(path) is not a PEM certificate (no '-----BEGIN CERTIFICATE-----' line)")
            }
        case .privateKey:
            if !(text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----")) {
                return problem("\(path) is not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)")
            }
        }
        return []
    }
}
