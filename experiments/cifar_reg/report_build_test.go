package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brainreg/brainreg/experiments/internal/buildinfo"
)

// results.json and summary.md name the build that wrote them and the builds
// that trained and evaluated each model, old stages without a record
// included.
func TestReportNamesItsBuild(t *testing.T) {
	old := buildinfo.Info{Module: "(devel)", Commit: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", CommitSource: "vcs stamp",
		GoVersion: "go1.26.8", Platform: "linux/amd64", CPU: "CPU A", KernelPath: "avx2", Threads: 2}
	runs := []*modelRun{
		fakeRun(kindBaseline, 0, 1, 0.80, 0.30, 0.12, 0.0026),
		fakeRun(kindNeural, 20, 1, 0.75, 0.40, 0.20, 0.0030),
		fakeRun(kindShuffled, 20, 1, 0.79, 0.29, 0.11, 0.0025),
	}
	runs[0].TrainedBy, runs[1].TrainedBy = &old, &old
	runs[0].EvaluatedBy = &old
	dir := t.TempDir()
	if err := writeReport(dir, pipelineConfig{Preset: "test", Seeds: 1, Pairs: 16, Alphas: []float64{20}}, nil, runs); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Report written by " + buildinfo.Get().String() + ".\n",
		"Models trained by: " + old.String() + " (2); a build from before builds were recorded (1).\n",
		"Evaluated by: " + old.String() + " (1); a build from before builds were recorded (2).\n",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Build  buildinfo.Info `json:"build"`
		Models []struct {
			TrainedBy *buildinfo.Info `json:"trained_by"`
		} `json:"models"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if res.Build.Commit != buildinfo.Get().Commit || res.Build.KernelPath == "" || res.Build.GoVersion == "" {
		t.Errorf("results.json build %+v", res.Build)
	}
	if len(res.Models) != 3 || res.Models[0].TrainedBy == nil || res.Models[0].TrainedBy.Commit != old.Commit || res.Models[2].TrainedBy != nil {
		t.Errorf("results.json models' trained_by wrong: %s", raw)
	}
}
