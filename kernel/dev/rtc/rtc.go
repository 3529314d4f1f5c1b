// Package rtc reads the wall-clock time from the PC's CMOS real-time clock.
package rtc

import "github.com/gobare/gobare/kernel/cpu"

// The CMOS real-time clock (MC146818; OSDev "CMOS"): index port 0x70,
// data port 0x71. QEMU starts it at the host's UTC time (-rtc base=utc).
const (
	cmosIndex = 0x70
	cmosData  = 0x71
)

func cmos(reg uint8) uint8 {
	cpu.Outb(cmosIndex, reg)
	return cpu.Inb(cmosData)
}

// ReadUnix reads the clock as Unix seconds, waiting out an update in
// progress (status A bit 7) and reading twice until both reads agree.
func ReadUnix() int64 {
	var last int64 = -1
	for {
		for cmos(0x0A)&0x80 != 0 {
		}
		sec, min, hour := cmos(0x00), cmos(0x02), cmos(0x04)
		day, mon, year := cmos(0x07), cmos(0x08), cmos(0x09)
		statusB := cmos(0x0B)
		if statusB&0x04 == 0 { // BCD
			sec, min, day, mon, year = bcd(sec), bcd(min), bcd(day), bcd(mon), bcd(year)
			hour = bcd(hour&0x7f) | hour&0x80
		}
		if statusB&0x02 == 0 && hour&0x80 != 0 { // 12-hour clock, PM
			hour = (hour&0x7f)%12 + 12
		}
		t := UnixSeconds(2000+int(year), int(mon), int(day), int(hour), int(min), int(sec))
		if t == last {
			return t
		}
		last = t
	}
}

func bcd(v uint8) uint8 { return v>>4*10 + v&15 }

// UnixSeconds converts a UTC date (years 2000-2099) to seconds since 1970.
func UnixSeconds(year, month, day, hour, min, sec int) int64 {
	days := 0
	for y := 1970; y < year; y++ {
		days += 365
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			days++
		}
	}
	monthDays := [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for m := 1; m < month && m <= 12; m++ {
		days += monthDays[m-1]
		if m == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			days++
		}
	}
	days += day - 1
	return int64(days)*86400 + int64(hour)*3600 + int64(min)*60 + int64(sec)
}
