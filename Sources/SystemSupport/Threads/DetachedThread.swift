import Glibc

/// Runs `body` on a new detached thread named `name` (Linux shows the first 15 characters in top and ps): the
/// readers' blocking reads and the sinks' inserting and publishing loops. Foundation's Thread, without Foundation.
public func startDetachedThread(name: String, _ body: @escaping @Sendable () -> Void) {
    final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
    let context = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { context in
        let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
        _ = setThreadName(pthread_self(), String(start.name.utf8.prefix(15))!)
        start.body()
        return nil
    }, context)
    precondition(status == 0, "cannot start thread \(name): \(String(cString: strerror(status)))")
    pthread_detach(thread)
}

/// glibc's pthread_setname_np, which the Glibc module hides behind _GNU_SOURCE.
@_silgen_name("pthread_setname_np")
private func setThreadName(_ thread: pthread_t, _ name: UnsafePointer<CChar>) -> Int32
