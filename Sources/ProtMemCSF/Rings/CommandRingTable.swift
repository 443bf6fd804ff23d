/// The rings of every group, in GPU memory: the driver writes jobs in, the firmware runs them.
package typealias CommandRingTable = HandleTable<RingSetID, CommandRingSet>
