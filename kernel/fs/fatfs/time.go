package fatfs

// FAT's dates and times (FAT spec §6.3): a date is 16 bits — years since
// 1980 (7 bits), month, day — and a time 16 bits — hours, minutes, and
// seconds halved (5 bits). They are local time in the FAT spec; gobare's
// clock is UTC and the host's tools read them as such.

// Days from 1970-01-01 to 1980-01-01, and the seconds in a day.
const (
	epoch1980 = 3652
	daySecs   = 86400
)

// dosTime converts nanoseconds since 1970 to a FAT date and time and
// the hundredths of a second past its even second (DIR_CrtTimeTenth,
// 0-199). Times before 1980 are 1980-01-01, after 2107 the end of 2107.
func dosTime(ns int64) (date, tm uint16, hundredths uint8) {
	secs := ns / 1e9
	days := secs / daySecs
	if days < epoch1980 {
		return 0<<9 | 1<<5 | 1, 0, 0
	}
	y, m, d := civil(days)
	if y > 2107 {
		return 127<<9 | 12<<5 | 31, 23<<11 | 59<<5 | 29, 199
	}
	s := secs % daySecs
	date = uint16(y-1980)<<9 | uint16(m)<<5 | uint16(d)
	tm = uint16(s/3600)<<11 | uint16(s/60%60)<<5 | uint16(s%60/2)
	hundredths = uint8(s%2*100 + ns%1e9/1e7)
	return date, tm, hundredths
}

// unixTime converts a FAT date and time back to nanoseconds since 1970.
// Fields out of range are taken as they come (a day 0 is the last of the
// month before), as they cannot be trusted anyway.
func unixTime(date, tm uint16, hundredths uint8) int64 {
	y, m, d := int64(date>>9)+1980, int64(date>>5&15), int64(date&31)
	days := daysFrom(y, m, d)
	secs := days*daySecs + int64(tm>>11)*3600 + int64(tm>>5&63)*60 + int64(tm&31)*2
	return secs*1e9 + int64(min(hundredths, 199))*1e7
}

// civil is the proleptic Gregorian date of a day number since 1970
// (Howard Hinnant's civil_from_days).
func civil(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFrom is civil's inverse (days_from_civil), for years from 1980.
func daysFrom(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
