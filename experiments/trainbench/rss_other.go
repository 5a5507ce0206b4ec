//go:build !unix

package main

// peakRSSMB is not measured on this system: -1.
func peakRSSMB() float64 { return -1 }

// cpuSeconds is not measured on this system: -1.
func cpuSeconds() float64 { return -1 }
