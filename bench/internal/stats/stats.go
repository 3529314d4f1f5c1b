// Package stats is the arithmetic of the bench's figures, shared by the
// harness (bench/main.go, which takes the median of the runs) and the
// program (bench/program, which takes it of its own samples).
package stats

import "slices"

// Median is the middle of xs (the mean of the middle two for an even
// count); xs is left as it was.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile is the value below which the fraction p (0 to 1) of xs lies,
// the nearest sample at or below it; xs is left as it was.
func Percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1))]
}
