import Foundation

/// A readers–writer lock between creating or destroying Vulkan instances and devices (writers) and every
/// other Vulkan call this backend makes (readers).
///
/// Vulkan lets threads create and destroy devices while other threads use theirs, but Debian 12's
/// validation layer (1.3.239) keeps its per-instance and per-device state in one global map that these
/// calls change and every other call looks up without a lock: the suite, which opens devices from many
/// threads at once, crashed inside the layer twice (a bad pointer in a pthread rwlock while instances were
/// made; a read of address 0x908 in `vkDestroyBuffer` under AddressSanitizer). Readers never wait for
/// each other, so devices in use run as before; only the rare create and destroy waits.
///
/// Readers may nest (glibc's rwlocks prefer readers, so a nested read never waits for a queued writer);
/// a thread must not take the writer side while it holds the reader side.
final class LayerLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` as a reader: any Vulkan call that does not create or destroy an instance or device.
    func shared<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Runs `body` as the only Vulkan caller: creating or destroying an instance or a device.
    func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}

extension LayerLock {
    /// The writer side for initializers and deinitializers, whose bodies cannot be closures: pair with `end()`.
    func beginExclusive() { pthread_rwlock_wrlock(lock) }
    /// The reader side for deinitializers: pair with `end()`.
    func beginShared() { pthread_rwlock_rdlock(lock) }
    func end() { pthread_rwlock_unlock(lock) }
}
