/// The GPU's hardware and its firmware model live in ProtMemCSF, below the driver; their public
/// types (addresses, jobs, interface pages, faults) are part of the driver's API, so a client
/// that imports the driver sees them as it did when they were one module.
@_exported import ProtMemCSF
