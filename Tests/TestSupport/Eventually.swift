import Foundation

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass.
@discardableResult
public func eventually(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
