// Package virtio owns what every virtio device shares (virtio 1.2): the
// modern PCI transport — finding the register blocks through the PCI
// capabilities, mapping them, the status handshake and feature
// negotiation — and split virtqueues whose rings live in frames of
// kernel memory, reached through the direct map (physical address p at
// mem.DirectMapBase+p). Device types (console/, blk/, later network)
// build on it.
//
// INTx is off (the PCI command register's INTx disable) and so is every
// queue's interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT): drivers poll their used
// rings when the kernel is entered, unless they give a queue an MSI-X
// vector (msix.go).
package virtio

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/pci"
	"github.com/gobare/gobare/kernel/mem"
)

// VendorID is every virtio PCI device's vendor (virtio 1.2 §4.1.2).
const VendorID = 0x1AF4

// PCI device IDs (virtio 1.2 §4.1.2.1): 0x1040 plus the device type for a
// modern-only device, and the transitional IDs 0x1000-0x103F that QEMU
// gives devices which also speak the legacy interface.
const (
	ModernBase   = 0x1040
	TypeBlock    = 2
	TypeConsole  = 3
	TransBlock   = 0x1001
	TransConsole = 0x1003
)

// Device status bits (virtio 1.2 §2.1).
const (
	StatusAcknowledge = 1   // the guest noticed the device
	StatusDriver      = 2   // and has a driver for it
	StatusDriverOK    = 4   // the driver is ready
	StatusFeaturesOK  = 8   // the driver accepted the features
	StatusFailed      = 128 // the driver gave up
)

// FeatureVersion1 says the device is virtio 1.x (virtio 1.2 §6); a
// driver for the modern interface must accept it.
const FeatureVersion1 = 1 << 32

// The common configuration structure's fields (virtio 1.2 §4.1.4.3).
const (
	regDeviceFeatureSelect = 0x00
	regDeviceFeature       = 0x04
	regDriverFeatureSelect = 0x08
	regDriverFeature       = 0x0C
	regNumQueues           = 0x12
	regDeviceStatus        = 0x14
	regQueueSelect         = 0x16
	regQueueSize           = 0x18
	regQueueEnable         = 0x1C
	regQueueNotifyOff      = 0x1E
	regQueueDesc           = 0x20
	regQueueDriver         = 0x28
	regQueueDevice         = 0x30
)

// Err says why a device could not be set up.
type Err uint8

const (
	OK Err = iota
	ErrNoCaps
	ErrBAR
	ErrMap
	ErrReset
	ErrFeatures
	ErrQueue
	ErrMemory
)

func (e Err) String() string {
	switch e {
	case OK:
		return "ok"
	case ErrNoCaps:
		return "no virtio 1.x PCI capabilities (a legacy-only device?)"
	case ErrBAR:
		return "a register block is in an I/O or unassigned BAR"
	case ErrMap:
		return "cannot map the registers"
	case ErrReset:
		return "the device does not reset"
	case ErrFeatures:
		return "the device refused the features"
	case ErrQueue:
		return "a queue is missing or unusable"
	}
	return "out of frames for the queues"
}

// Device is a virtio device on the modern PCI transport, with its
// register blocks mapped.
type Device struct {
	PCI       pci.Addr
	common    uintptr // virtual addresses of the blocks
	notify    uintptr
	notifyMul uint32
	device    uintptr
	deviceLen uint32
	frames    *mem.FrameAllocator
}

// cacheDisable marks a page uncacheable, as device registers must be
// (SDM Vol. 3A §4.9 and §11.12.3: PCD and PWT both set select PAT entry
// 3, UC, with the power-on PAT).
const cacheDisable = 1<<4 | 1<<3

// Open finds the register blocks of the virtio device at a, maps them
// uncached at mem.DirectMapBase plus their physical address, and turns on
// its memory decoding and bus mastering with INTx off. Queue memory will
// come from frames.
func Open(a pci.Addr, frames *mem.FrameAllocator, space *mem.PageTable) (Device, Err) {
	var cfg [pci.ConfigSize]byte
	pci.ReadConfig(a, &cfg)
	caps, ok := ParseCaps(&cfg)
	if !ok {
		return Device{}, ErrNoCaps
	}
	d := Device{PCI: a, notifyMul: caps.NotifyMultiplier, deviceLen: caps.Device.Length, frames: frames}
	var e Err
	if d.common, e = mapRegion(&cfg, caps.Common, space); e != OK {
		return Device{}, e
	}
	if d.notify, e = mapRegion(&cfg, caps.Notify, space); e != OK {
		return Device{}, e
	}
	if caps.Device.Found {
		if d.device, e = mapRegion(&cfg, caps.Device, space); e != OK {
			return Device{}, e
		}
	}
	cmd := pci.Read16(a, pci.OffCommand)
	pci.Write16(a, pci.OffCommand, cmd|pci.CmdMemorySpace|pci.CmdBusMaster|pci.CmdIntxDisable) // PCI 3.0 §6.2.2
	return d, OK
}

// mapRegion maps a register block and returns its virtual address.
func mapRegion(cfg *[pci.ConfigSize]byte, r Region, space *mem.PageTable) (uintptr, Err) {
	bar, ok := pci.BARAt(cfg, int(r.BAR))
	if !ok || bar.IO || bar.Addr == 0 {
		return 0, ErrBAR
	}
	start := bar.Addr + uint64(r.Offset)
	first := start &^ (mem.PageSize - 1)
	for p := first; p < start+uint64(r.Length); p += mem.PageSize {
		virt := uintptr(mem.DirectMapBase + p)
		if _, _, mapped := space.Lookup(virt); mapped {
			continue // in the direct map's RAM, or mapped before
		}
		if space.Map(virt, uintptr(p), mem.Writable|mem.NoExec|mem.Global|cacheDisable) != mem.MapOK {
			return 0, ErrMap
		}
	}
	return uintptr(mem.DirectMapBase + start), OK
}

// Start resets the device and negotiates features (virtio 1.2 §3.1.1,
// steps 1-6): it accepts those of want the device offers, plus
// VERSION_1, which it requires. It returns the accepted set.
func (d *Device) Start(want uint64) (uint64, Err) {
	write8(d.common+regDeviceStatus, 0)                     // 1. reset
	for i := 0; read8(d.common+regDeviceStatus) != 0; i++ { // §4.1.4.3.2: wait until it reads back 0
		if i > 1_000_000 {
			return 0, ErrReset
		}
		cpu.Pause()
	}
	write8(d.common+regDeviceStatus, StatusAcknowledge)              // 2. we saw it
	write8(d.common+regDeviceStatus, StatusAcknowledge|StatusDriver) // 3. we can drive it
	write32(d.common+regDeviceFeatureSelect, 0)                      // 4. read the device's features, bits 0-31
	offered := uint64(read32(d.common + regDeviceFeature))
	write32(d.common+regDeviceFeatureSelect, 1) // and bits 32-63
	offered |= uint64(read32(d.common+regDeviceFeature)) << 32
	if offered&FeatureVersion1 == 0 {
		d.fail()
		return 0, ErrFeatures
	}
	accepted := offered & (want | FeatureVersion1)
	write32(d.common+regDriverFeatureSelect, 0) // write the subset we understand
	write32(d.common+regDriverFeature, uint32(accepted))
	write32(d.common+regDriverFeatureSelect, 1)
	write32(d.common+regDriverFeature, uint32(accepted>>32))
	write8(d.common+regDeviceStatus, StatusAcknowledge|StatusDriver|StatusFeaturesOK) // 5. FEATURES_OK
	if read8(d.common+regDeviceStatus)&StatusFeaturesOK == 0 {                        // 6. still set: accepted
		d.fail()
		return 0, ErrFeatures
	}
	return accepted, OK
}

// fail tells the device the driver gave up (§3.1.1, FAILED).
func (d *Device) fail() {
	write8(d.common+regDeviceStatus, read8(d.common+regDeviceStatus)|StatusFailed)
}

// Fail tells the device the driver gave up.
func (d *Device) Fail() { d.fail() }

// NumQueues is the number of queues the device has.
func (d *Device) NumQueues() uint16 { return read16(d.common + regNumQueues) }

// SetUpQueue gives queue index a frame of memory (virtio 1.2 §4.1.5.1.3):
// select it, read its maximum size, choose ours (a power of two, at most
// MaxQueueSize), tell the device where the three parts are, and enable
// it.
func (d *Device) SetUpQueue(q *Queue, index uint16) Err {
	if index >= d.NumQueues() {
		return ErrQueue
	}
	write16(d.common+regQueueSelect, index) // 1. select the queue
	max := read16(d.common + regQueueSize)  // 2. its maximum size; 0: not available
	if max == 0 || read16(d.common+regQueueEnable) != 0 {
		return ErrQueue
	}
	size := uint16(MaxQueueSize)
	for size > max {
		size >>= 1
	}
	phys, ok := d.frames.Alloc() // 3. memory for the rings (zeroed)
	if !ok {
		return ErrMemory
	}
	q.Init(index, unsafe.Pointer(&d.frames.Page(phys)[0]), uint64(phys), size)
	write16(d.common+regQueueSize, size) // 4. our size
	write64(d.common+regQueueDesc, q.DescPhys)
	write64(d.common+regQueueDriver, q.AvailPhys)
	write64(d.common+regQueueDevice, q.UsedPhys)
	// The queue's notification address (§4.1.4.4): cap.offset +
	// queue_notify_off * notify_off_multiplier within the notify block.
	q.notify = d.notify + uintptr(read16(d.common+regQueueNotifyOff))*uintptr(d.notifyMul)
	write16(d.common+regQueueEnable, 1) // 5. enable it
	return OK
}

// Ready sets DRIVER_OK (§3.1.1 step 8): the device is live.
func (d *Device) Ready() {
	write8(d.common+regDeviceStatus, StatusAcknowledge|StatusDriver|StatusFeaturesOK|StatusDriverOK)
}

// Notify tells the device that q has new buffers (§4.1.5.2: write the
// queue's index to its notification address).
func (d *Device) Notify(q *Queue) { write16(q.notify, q.Index) }

// Kick notifies the device of q's new buffers unless it said it needs no
// notification (Queue.NotifyWanted).
func (d *Device) Kick(q *Queue) {
	if q.NotifyWanted() {
		d.Notify(q)
	}
}

// Config32 reads 32 bits of the device-specific configuration at off, 0
// when there is none there.
func (d *Device) Config32(off uint32) uint32 {
	if d.device == 0 || off+4 > d.deviceLen {
		return 0
	}
	return read32(d.device + uintptr(off))
}

// Frames is the allocator the device's queues and buffers come from.
func (d *Device) Frames() *mem.FrameAllocator { return d.frames }
