/// One message to publish, and its form inside a spool record: topic length (u16 LE) | topic | payload.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]

    public init(topic: String, payload: [UInt8]) {
        self.topic = topic
        self.payload = payload
    }

    public init(topic: String, payload: String) {
        self.init(topic: topic, payload: Array(payload.utf8))
    }

    public var spoolRecord: [UInt8] {
        let topicBytes = Array(topic.utf8)
        var record: [UInt8] = [UInt8(topicBytes.count & 0xFF), UInt8(topicBytes.count >> 8)]
        record.reserveCapacity(2 + topicBytes.count + payload.count)
        record += topicBytes
        record += payload
        return record
    }

    public init?(spoolRecord record: [UInt8]) {
        guard record.count >= 2 else { return nil }
        let topicLength = Int(record[0]) | Int(record[1]) << 8
        guard record.count >= 2 + topicLength else { return nil }
        topic = String(decoding: record[2..<(2 + topicLength)], as: UTF8.self)
        payload = Array(record[(2 + topicLength)...])
    }
}
