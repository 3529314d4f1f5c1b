package tests

// rdtsc returns the host CPU's time-stamp counter (RDTSC, EDX:EAX).
func rdtsc() uint64
