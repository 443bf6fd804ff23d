#if PROTMEM_TSAN_LOCKS
import ProtMemMemory

/// ThreadSanitizer builds (`-Xswiftc -DPROTMEM_TSAN_LOCKS`, Scripts/sanitize.sh): this
/// module's `Mutex` is ProtMemMemory's `PThreadMutex`, whose locking TSan sees, in place of
/// `Synchronization.Mutex`, whose contended path it cannot see. Ordinary builds skip this file.
typealias Mutex<Value: ~Copyable> = PThreadMutex<Value>
#endif
