package trainer

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// BenchmarkTrainSteps times the trainer's own loop (data pipeline, forward,
// backward, SGD, logging) for the quick preset's small ResNet at batch 64,
// without and with the similarity penalty (16 pairs a step), in steps of
// the real training loop: the figure trainbench's synthetic step leaves
// out. Each iteration is one call of Train that stops after steps steps;
// compare the two sub-benchmarks' step_ms.
//
//	go test -run '^$' -bench TrainSteps -benchtime 3x -count 3 ./experiments/internal/trainer/
func BenchmarkTrainSteps(b *testing.B) {
	const steps = 60
	data := testData(b)
	cfg := Presets["quick"]
	cfg.TestLimit = 64
	sim := pixelTarget(b, data, 200)
	for _, pen := range []bool{false, true} {
		name := "plain"
		c := cfg
		opt := Options{Log: io.Discard, StopAfterSteps: steps}
		if pen {
			name = "penalty"
			c.Reg = DefaultReg("pixels-bench")
			opt.Similarity = sim
		}
		b.Run(name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				dir := b.TempDir()
				start := time.Now()
				if _, _, err := Train(context.Background(), c, data, dir, opt); !errors.Is(err, ErrInterrupted) {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N*steps), "step_ms")
		})
	}
}
