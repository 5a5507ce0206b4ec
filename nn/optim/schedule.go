package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for a point in training, measured in
// epochs (fractional within an epoch).
type Schedule interface {
	LR(epoch float64) float64
	String() string
}

// PaperSchedule is the schedule of Li et al. (2019): lr = Base·Factor^phase,
// where a phase lasts PhaseEpochs epochs and the phase count restarts every
// Restart phases (0.1·0.3^phase, 4-epoch phases, restart every 5 phases).
type PaperSchedule struct {
	Base, Factor float64
	PhaseEpochs  int
	Restart      int
}

// NewPaperSchedule returns the paper's defaults: 0.1, 0.3, 4 epochs, 5 phases.
func NewPaperSchedule() PaperSchedule {
	return PaperSchedule{Base: 0.1, Factor: 0.3, PhaseEpochs: 4, Restart: 5}
}

func (s PaperSchedule) LR(epoch float64) float64 {
	phase := int(math.Floor(epoch)) / s.PhaseEpochs
	if s.Restart > 0 {
		phase %= s.Restart
	}
	return s.Base * math.Pow(s.Factor, float64(phase))
}

func (s PaperSchedule) String() string {
	return fmt.Sprintf("paper(%g·%g^phase, %d-epoch phases, restart every %d)", s.Base, s.Factor, s.PhaseEpochs, s.Restart)
}

// StepSchedule multiplies Base by Gamma every Every epochs.
type StepSchedule struct {
	Base, Gamma float64
	Every       int
}

func (s StepSchedule) LR(epoch float64) float64 {
	return s.Base * math.Pow(s.Gamma, math.Floor(math.Floor(epoch)/float64(s.Every)))
}

func (s StepSchedule) String() string {
	return fmt.Sprintf("step(%g, ×%g every %d epochs)", s.Base, s.Gamma, s.Every)
}

// CosineSchedule anneals from Base to Min over Epochs epochs, after a linear
// warm-up of Warmup epochs from Base/10; it stays at Min afterwards.
type CosineSchedule struct {
	Base, Min float64
	Epochs    float64
	Warmup    float64
}

func (s CosineSchedule) LR(epoch float64) float64 {
	if epoch < s.Warmup {
		return s.Base * (0.1 + 0.9*epoch/s.Warmup)
	}
	span := s.Epochs - s.Warmup
	if span <= 0 || epoch >= s.Epochs {
		return s.Min
	}
	t := (epoch - s.Warmup) / span
	return s.Min + (s.Base-s.Min)*0.5*(1+math.Cos(math.Pi*t))
}

func (s CosineSchedule) String() string {
	return fmt.Sprintf("cosine(%g→%g over %g epochs, %g warm-up)", s.Base, s.Min, s.Epochs, s.Warmup)
}
