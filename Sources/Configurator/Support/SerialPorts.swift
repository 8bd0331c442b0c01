import FoundationEssentials
import Glibc

/// The serial ports a meter adapter shows up as: stable `/dev/serial/by-id/*` names first, then `ttyUSB*`,
/// `ttyACM*` (USB adapters) and `ttyAMA*` (the Raspberry Pi's UART). `SMARTMETER_DEVICE_DIR` replaces `/dev` in tests.
enum SerialPorts {
    struct Port {
        var path: String
        /// For by-id names: the device they point at.
        var target: String?
    }

    static var deviceDirectory: String {
        ProcessInfo.processInfo.environment["SMARTMETER_DEVICE_DIR"] ?? "/dev"
    }

    static func list(in directory: String = deviceDirectory) -> [Port] {
        let files = FileManager.default
        var ports: [Port] = []
        let byID = directory + "/serial/by-id"
        for name in ((try? files.contentsOfDirectory(atPath: byID)) ?? []).sorted() {
            let path = byID + "/" + name
            let target = (try? files.destinationOfSymbolicLink(atPath: path)).map { URL(fileURLWithPath: $0).lastPathComponent }
            ports.append(Port(path: path, target: target))
        }
        let names = ((try? files.contentsOfDirectory(atPath: directory)) ?? []).filter { name in
            ["ttyUSB", "ttyACM", "ttyAMA"].contains { name.hasPrefix($0) && name.count > $0.count }
        }
        let order = ["ttyUSB", "ttyACM", "ttyAMA"]
        for name in names.sorted(by: { a, b in
            let ra = order.firstIndex { a.hasPrefix($0) }!, rb = order.firstIndex { b.hasPrefix($0) }!
            return ra != rb ? ra < rb : Self.naturalOrder(a, b)
        }) {
            ports.append(Port(path: directory + "/" + name, target: nil))
        }
        return ports
    }

    /// Names compared with their digit runs as numbers: ttyUSB2 before ttyUSB10.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        func parts(_ name: String) -> [(text: String, number: Int?)] {
            var result: [(String, Int?)] = []
            var current = "", digits = false
            for character in name {
                if character.isASCII && character.isNumber != digits && !current.isEmpty {
                    result.append((current, digits ? Int(current) : nil))
                    current = ""
                }
                digits = character.isASCII && character.isNumber
                current.append(character)
            }
            if !current.isEmpty { result.append((current, digits ? Int(current) : nil)) }
            return result
        }
        for (left, right) in zip(parts(a), parts(b)) where left.text != right.text {
            if let x = left.number, let y = right.number, x != y { return x < y }
            return left.text < right.text
        }
        return parts(a).count < parts(b).count
    }
}
