package progress

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Stage is one step of a run's plan. Stages of the same Kind cost the same
// per unit of Size (for example "train small" with Size = epochs), so the
// time one of them took predicts the others.
type Stage struct {
	Name string
	Kind string
	Size float64
}

// Plan tells, at each stage of a long run, which stage of how many is
// running and how long the whole run has left, from the cost per unit of
// Size that finished stages of each kind measured. A kind no finished stage
// has measured yet adds nothing to the estimate, and the line says so ("at
// least … left; not yet measured: …") rather than guessing.
type Plan struct {
	mu     sync.Mutex
	w      io.Writer
	now    func() time.Time
	start  time.Time
	stages []Stage
	begun  []time.Time // zero until Begin
	done   []bool
	// Measured cost per kind: seconds and size of the finished stages.
	secs, size map[string]float64
}

// NewPlan returns a plan of the given stages, printing to w.
func NewPlan(w io.Writer, stages []Stage) *Plan {
	p := &Plan{w: w, now: time.Now, stages: stages, begun: make([]time.Time, len(stages)), done: make([]bool, len(stages)),
		secs: map[string]float64{}, size: map[string]float64{}}
	p.start = p.now()
	return p
}

func (p *Plan) index(name string) int {
	for i, s := range p.stages {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// Begin marks the named stage as running and prints, after a timestamp as
// Stamp formats it, the run's position and its estimated time left:
//
//	2026-12-03T06:57:22Z run: stage 3 of 15 (train baseline α=0 seed 0); 12m00s elapsed; about 2h10m left
//
// A stage not in the plan, or begun again after it finished, prints
// nothing.
func (p *Plan) Begin(name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.index(name)
	if i < 0 || p.done[i] {
		return
	}
	now := p.now()
	p.begun[i] = now
	fmt.Fprintf(p.w, "%s run: stage %d of %d (%s); %s elapsed; %s\n", Stamp(now), i+1, len(p.stages), name,
		Duration(now.Sub(p.start)), p.left())
}

// Finish marks the named stage as done. seconds is the work the stage
// measured itself (a trainer's summed epoch times, which survive an
// interrupted and resumed stage); a negative value takes the wall time
// since Begin. A stage whose results were reused rather than computed
// should call Skip instead, so that it measures nothing.
func (p *Plan) Finish(name string, seconds float64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.index(name)
	if i < 0 || p.done[i] {
		return
	}
	if seconds < 0 {
		if p.begun[i].IsZero() {
			seconds = 0
		} else {
			seconds = p.now().Sub(p.begun[i]).Seconds()
		}
	}
	p.done[i] = true
	if s := p.stages[i]; seconds > 0 && s.Size > 0 {
		p.secs[s.Kind] += seconds
		p.size[s.Kind] += s.Size
	}
}

// Skip marks the named stage as done without measuring it.
func (p *Plan) Skip(name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := p.index(name); i >= 0 {
		p.done[i] = true
	}
}

// Left returns the estimated time left, as Begin prints it.
func (p *Plan) Left() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.left()
}

// left sums, over the stages not done, Size × the kind's measured seconds
// per unit, less what a running stage has already spent.
func (p *Plan) left() string {
	var total time.Duration
	var unknown []string
	for i, s := range p.stages {
		if p.done[i] {
			continue
		}
		if p.size[s.Kind] == 0 {
			if !slices.Contains(unknown, s.Kind) {
				unknown = append(unknown, s.Kind)
			}
			continue
		}
		est := time.Duration(s.Size * p.secs[s.Kind] / p.size[s.Kind] * float64(time.Second))
		if !p.begun[i].IsZero() {
			est -= p.now().Sub(p.begun[i])
		}
		total += max(est, 0)
	}
	switch {
	case len(unknown) == 0:
		return "about " + Duration(total) + " left"
	case total == 0:
		return "time left not known until a stage of each kind has run (" + strings.Join(unknown, ", ") + ")"
	default:
		return "at least " + Duration(total) + " left; not yet measured: " + strings.Join(unknown, ", ")
	}
}
