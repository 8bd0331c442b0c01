import Foundation

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
            return ra != rb ? ra < rb : a.localizedStandardCompare(b) == .orderedAscending
        }) {
            ports.append(Port(path: directory + "/" + name, target: nil))
        }
        return ports
    }
}
