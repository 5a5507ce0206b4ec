//go:build !linux && !darwin

package main

// cpuSeconds is unknown here (memory.jsonl says -1).
func cpuSeconds() float64 { return -1 }
