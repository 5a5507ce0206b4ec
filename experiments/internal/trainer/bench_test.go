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
// without and with the similarity penalty (16 pairs a step): the figure
// trainbench's synthetic step leaves out. Each iteration is two calls of
// Train that stop after steps steps, one plain and one with the penalty,
// back to back, so that the machine's drift (large on shared machines)
// reaches both alike; it reports the mean step time of each and the ratio
// of their sums. Quote the median ratio of several counts:
//
//	go test -run '^$' -bench TrainSteps -benchtime 2x -count 5 ./experiments/internal/trainer/
func BenchmarkTrainSteps(b *testing.B) {
	const steps = 40
	data := testData(b)
	cfg := Presets["quick"]
	cfg.TestLimit = 64
	sim := pixelTarget(b, data, 200)
	penCfg := cfg
	penCfg.Reg = DefaultReg("pixels-bench")
	run := func(c Config, opt Options) time.Duration {
		start := time.Now()
		if _, _, err := Train(context.Background(), c, data, b.TempDir(), opt); !errors.Is(err, ErrInterrupted) {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var plain, pen time.Duration
	for b.Loop() {
		plain += run(cfg, Options{Log: io.Discard, StopAfterSteps: steps})
		pen += run(penCfg, Options{Log: io.Discard, StopAfterSteps: steps, Similarity: sim})
	}
	perStep := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 / float64(b.N*steps) }
	b.ReportMetric(perStep(plain), "plain_step_ms")
	b.ReportMetric(perStep(pen), "penalty_step_ms")
	b.ReportMetric(pen.Seconds()/plain.Seconds(), "ratio")
}
