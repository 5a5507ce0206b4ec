//go:build purego || !amd64

package simd

// fmaLoop returns the pure-Go twin: this build or platform has no
// register-only FMA loop in assembly (arm64's NEON path included), so the
// peak it reports is that of scalar Go code and says so.
func fmaLoop() (run func(iters int), lanes int, loop string) {
	return func(iters int) { fmaLoopGo(iters, 0.5, 1, 1) }, 1, kernel.name + ": 12 chains of scalar Go arithmetic (the pure-Go twin)"
}
