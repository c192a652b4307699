import CTensorBoardEvent
import Foundation

/// One `Event` of Protos/tensorboard_event.proto, encoded by protobuf-c.
///
/// The C messages point at their strings, pictures and sub-messages; `encoded()` builds them in memory it owns
/// for the length of one call and frees it before returning, so nothing C-side outlives the bytes.
struct EventMessage {
    /// One value of a summary: a scalar curve's point or a PNG picture, under a tag.
    enum Value {
        case scalar(tag: String, value: Float)
        case image(tag: String, width: Int32, height: Int32, colorspace: Int32, png: Data)
    }

    /// What the event carries: the file's version (its first record) or the values logged at a step.
    enum Content {
        case fileVersion(String)
        case summary([Value])
    }

    var wallTime: Double
    var step: Int64
    var content: Content

    /// The message's protobuf wire bytes.
    func encoded() -> Data {
        var storage = Storage()
        defer { storage.release() }
        var event = Tensorboard__Event()
        tensorboard__event__init(&event)
        event.wall_time = wallTime
        event.step = step
        switch content {
        case .fileVersion(let version):
            event.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION
            event.file_version = storage.string(version)
        case .summary(let values):
            let summary = storage.allocate(Tensorboard__Summary.self)
            tensorboard__summary__init(summary)
            let list = storage.allocate(UnsafeMutablePointer<Tensorboard__Summary__Value>?.self, count: values.count)
            for (i, value) in values.enumerated() { list[i] = storage.value(value) }
            summary.pointee.n_value = values.count
            summary.pointee.value = list
            event.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY
            event.summary = summary
        }
        let size = tensorboard__event__get_packed_size(&event)
        var bytes = Data(count: size)
        let written = bytes.withUnsafeMutableBytes {
            tensorboard__event__pack(&event, $0.bindMemory(to: UInt8.self).baseAddress!)
        }
        precondition(written == size, "protobuf-c packed \(written) of \(size) bytes")
        return bytes
    }

    /// The C memory of one encoding: every block is freed together once the bytes are packed.
    private struct Storage {
        private var blocks: [UnsafeMutableRawPointer] = []

        mutating func allocate<T>(_: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
            let block = UnsafeMutableRawPointer.allocate(
                byteCount: max(1, count) * MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
            blocks.append(block)
            return block.bindMemory(to: T.self, capacity: max(1, count))
        }

        /// A NUL-terminated copy of `text` (protobuf-c takes strings as C strings).
        mutating func string(_ text: String) -> UnsafeMutablePointer<CChar> {
            let utf8 = Array(text.utf8)
            let copy = allocate(CChar.self, count: utf8.count + 1)
            for (i, byte) in utf8.enumerated() { copy[i] = CChar(bitPattern: byte) }
            copy[utf8.count] = 0
            return copy
        }

        mutating func value(_ value: Value) -> UnsafeMutablePointer<Tensorboard__Summary__Value> {
            let message = allocate(Tensorboard__Summary__Value.self)
            tensorboard__summary__value__init(message)
            switch value {
            case .scalar(let tag, let number):
                message.pointee.tag = string(tag)
                message.pointee.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE
                message.pointee.simple_value = number
            case .image(let tag, let width, let height, let colorspace, let png):
                let image = allocate(Tensorboard__Summary__Image.self)
                tensorboard__summary__image__init(image)
                image.pointee.width = width
                image.pointee.height = height
                image.pointee.colorspace = colorspace
                let encoded = allocate(UInt8.self, count: png.count)
                png.copyBytes(to: encoded, count: png.count)
                image.pointee.encoded_image_string = ProtobufCBinaryData(len: png.count, data: encoded)
                message.pointee.tag = string(tag)
                message.pointee.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE
                message.pointee.image = image
            }
            return message
        }

        func release() { for block in blocks { block.deallocate() } }
    }
}
