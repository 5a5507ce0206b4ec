//go:build !purego && unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The cluster path without a cluster: sweep writes the plan and scripts;
// prepare, every array task (by SLURM_ARRAY_TASK_ID) and report run as
// SLURM would run them; a task whose results are complete exits at once;
// the report holds every model.
func TestSweepTasksAndReport(t *testing.T) {
	data := cifarOptions(t)
	tmp := t.TempDir()
	bin := buildCifarReg(t, tmp)
	out := filepath.Join(tmp, "shared")
	run := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cifar_reg %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return string(b)
	}
	msg := run(nil, "sweep", "-preset", "smoke", "-models", "baseline,neural,shuffled", "-data", data.Dir, "-out", out, "-cpus", "2")
	plans, _ := filepath.Glob(filepath.Join(out, "sweep-*", "plan.json"))
	if len(plans) != 1 || !strings.Contains(msg, "submit: bash ") {
		t.Fatalf("sweep wrote %v and said:\n%s", plans, msg)
	}
	plan := plans[0]
	dir := filepath.Dir(plan)
	for _, f := range []string{"prepare.sbatch", "array.sbatch", "report.sbatch", "submit.sh"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "array.sbatch" && !strings.Contains(string(b), "#SBATCH --array=0-2") {
			t.Fatalf("array.sbatch:\n%s", b)
		}
	}

	run([]string{"SLURM_CPUS_PER_TASK=2"}, "prepare", "-plan", plan)
	for i := range 3 {
		run([]string{"SLURM_CPUS_PER_TASK=2", "SLURM_ARRAY_TASK_ID=" + strconv.Itoa(i)}, "task", "-plan", plan)
	}
	again := run([]string{"SLURM_ARRAY_TASK_ID=1"}, "task", "-plan", plan)
	if !strings.Contains(again, "already complete") {
		t.Fatalf("a finished task ran again:\n%s", again)
	}
	rep := run(nil, "report", "-plan", plan)
	if !strings.Contains(rep, "(3 of 3 models finished)") {
		t.Fatalf("report said:\n%s", rep)
	}
	results, _ := filepath.Glob(filepath.Join(out, "report-smoke-*", "results.json"))
	if len(results) != 1 {
		t.Fatalf("%d results.json files", len(results))
	}
	var res struct{ Models []struct{ Kind string } }
	b, _ := os.ReadFile(results[0])
	if err := json.Unmarshal(b, &res); err != nil || len(res.Models) != 3 {
		t.Fatalf("results.json: %v, %d models", err, len(res.Models))
	}

	// Bad task indices and plans are refused with a clear message.
	cmd := exec.Command(bin, "task", "-plan", plan, "-index", "7")
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "task index 7 out of range: the plan has 3 models (0–2)") {
		t.Fatalf("index 7: %v\n%s", err, b)
	}
	cmd = exec.Command(bin, "task", "-plan", filepath.Join(tmp, "none.json"))
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "-plan") {
		t.Fatalf("missing plan: %v\n%s", err, b)
	}
}
