package progress

import (
	"strings"
	"testing"
	"time"
)

// The plan numbers its stages, measures each kind's cost per unit from the
// stages that finished (by their own seconds when given) and says which
// kinds it cannot estimate yet.
func TestPlanEstimates(t *testing.T) {
	var out strings.Builder
	// A clock off UTC: the lines' timestamps are in UTC all the same.
	clock := time.Date(2026, 12, 3, 7, 57, 22, 0, time.FixedZone("CET", 3600))
	p := NewPlan(&out, []Stage{
		{"target", "target", 1},
		{"train baseline", "train", 3},
		{"evaluate baseline", "evaluate", 1},
		{"train neural", "train", 6},
		{"evaluate neural", "evaluate", 1},
	})
	p.now = func() time.Time { return clock }
	p.start = clock

	p.Begin("target")
	clock = clock.Add(10 * time.Minute)
	p.Finish("target", -1)
	p.Begin("train baseline")
	clock = clock.Add(2 * time.Minute) // resumed: the trainer reports 6 min of work in all
	p.Finish("train baseline", 360)
	p.Begin("evaluate baseline")
	clock = clock.Add(90 * time.Second)
	if got := p.Left(); got != "at least 12m00s left; not yet measured: evaluate" {
		t.Errorf("while evaluating, before any evaluation finished: %q", got)
	}
	p.Finish("evaluate baseline", -1)
	p.Begin("train neural")
	clock = clock.Add(4 * time.Minute) // 8 of the 12 estimated minutes of training remain
	if got := p.Left(); got != "about 9m30s left" {
		t.Errorf("4 min into a 12-min stage, one 90-s evaluation to come: %q", got)
	}
	p.Skip("train neural") // reused: measures nothing
	p.Begin("train neural")
	// Each stage line starts with the time it began, in UTC; a stage begun
	// again after it finished prints nothing.
	want := "2026-12-03T06:57:22Z run: stage 1 of 5 (target); 0s elapsed; time left not known until a stage of each kind has run (target, train, evaluate)\n" +
		"2026-12-03T07:07:22Z run: stage 2 of 5 (train baseline); 10m00s elapsed; time left not known until a stage of each kind has run (train, evaluate)\n" +
		"2026-12-03T07:09:22Z run: stage 3 of 5 (evaluate baseline); 12m00s elapsed; at least 12m00s left; not yet measured: evaluate\n" +
		"2026-12-03T07:10:52Z run: stage 4 of 5 (train neural); 13m30s elapsed; about 13m30s left\n"
	if out.String() != want {
		t.Errorf("output\n%s\nwant\n%s", out.String(), want)
	}
	if got := p.Left(); got != "about 1m30s left" {
		t.Errorf("one evaluation left: %q", got)
	}
}
