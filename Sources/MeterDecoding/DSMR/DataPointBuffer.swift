/// The data points of one reading, written straight into the storage of the array the reading will hold.
///
///     [DataPoint](unsafeUninitializedCapacity: bound) { storage, count in
///         var points = DataPointBuffer(storage)
///         points.append(...)
///         count = points.count
///     }
///
/// Why not `Array.append(DataPoint(...))`: the compiler built each 64-byte `DataPoint` as a temporary, copied it
/// (retaining its strings), destroyed the temporary and checked uniqueness and capacity every time, a tenth of the
/// time of decoding a P1 telegram. `initialize(to: DataPoint(...))` kept the copy. Writing each stored property at
/// its offset (constants the compiler folds) initialises the point in place with no copy.
struct DataPointBuffer {
    private let storage: UnsafeMutableBufferPointer<DataPoint>
    /// Points initialised so far, at the start of `storage`.
    private(set) var count = 0

    init(_ storage: UnsafeMutableBufferPointer<DataPoint>) {
        self.storage = storage
    }

    /// Not inlined: one copy of this code is smaller and measured faster than one per call site.
    @inline(never)
    mutating func append(_ obis: ObisCode, type: DataPointType?, value: consuming DataPoint.Value,
                         unit: consuming String?, timestamp: Int64?) {
        // The bound is the caller's arithmetic (one group per point at least): check it rather than trust it.
        precondition(count < storage.count, "more data points than reserved")
        let point = UnsafeMutableRawPointer(storage.baseAddress! + count)
        // Every stored property of DataPoint, each once: the point is then fully initialised.
        point.advanced(by: MemoryLayout<DataPoint>.offset(of: \DataPoint.obis)!)
            .initializeMemory(as: ObisCode.self, to: obis)
        point.advanced(by: MemoryLayout<DataPoint>.offset(of: \DataPoint.type)!)
            .initializeMemory(as: DataPointType?.self, to: type)
        point.advanced(by: MemoryLayout<DataPoint>.offset(of: \DataPoint.value)!)
            .initializeMemory(as: DataPoint.Value.self, to: value)
        point.advanced(by: MemoryLayout<DataPoint>.offset(of: \DataPoint.unit)!)
            .initializeMemory(as: String?.self, to: unit)
        point.advanced(by: MemoryLayout<DataPoint>.offset(of: \DataPoint.timestamp)!)
            .initializeMemory(as: Int64?.self, to: timestamp)
        count += 1
    }
}
