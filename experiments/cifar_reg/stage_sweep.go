package main

// Running the experiment on a cluster: `cifar_reg sweep` writes a plan and
// SLURM batch scripts; `prepare` builds what every model shares, one job
// array task per model runs `task`, and `report` aggregates whatever has
// finished into the same tables and plots as a single-machine run. The
// cluster's scheduler is the distributed engine; every step is idempotent
// (a task whose results are complete exits at once), so a failed or
// pre-empted task is simply resubmitted.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/experiments/internal/runio"
	"github.com/brainreg/brainreg/nn/checkpoint"
)

func init() {
	register(&command{name: "sweep", summary: "write a SLURM job-array plan of the experiment (prepare, one task per model, report)", run: runSweep})
	register(&command{name: "prepare", summary: "build what every model of a plan shares (targets, other network, transfer source)", run: runPrepare})
	register(&command{name: "task", summary: "train and evaluate one model of a plan (index or SLURM_ARRAY_TASK_ID)", run: runTask})
	register(&command{name: "report", summary: "aggregate a plan's finished models into results, tables and plots", run: runReport})
}

// sweepPlan is plan.json: everything a task needs to know.
type sweepPlan struct {
	Config     pipelineConfig `json:"config"`
	Out        string         `json:"out"`    // absolute: shared by every task
	Neural     string         `json:"neural"` // recordings directory, or "" to simulate
	DataDir    string         `json:"data_dir"`
	SkipVerify bool           `json:"skip_verify"`
	CacheDir   string         `json:"cache_dir"`
	Units      []unit         `json:"units"` // array task i runs Units[i]
}

func (s *sweepPlan) dataOptions() cifar.Options {
	return cifar.Options{Dir: s.DataDir, SkipVerify: s.SkipVerify, CacheDir: s.CacheDir}
}

// slurmOptions are the resources each job asks for.
type slurmOptions struct {
	CPUs      int
	MemMB     int
	Time      string
	Partition string
}

func runSweep(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	f := addRunFlags(fs)
	var so slurmOptions
	fs.IntVar(&so.CPUs, "cpus", 2, "CPUs per task (--cpus-per-task; the task's threads follow it)")
	fs.IntVar(&so.MemMB, "mem", 4000, "memory per task in MB (--mem)")
	fs.StringVar(&so.Time, "time", "24:00:00", "time limit per task (--time)")
	fs.StringVar(&so.Partition, "partition", "", "SLURM partition (default: the cluster's)")
	binary := fs.String("binary", "", "path of the cifar_reg binary on the cluster (default: this one)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	if so.CPUs < 1 || so.MemMB < 1 {
		return fmt.Errorf("-cpus and -mem must be positive")
	}
	out, err := filepath.Abs(*f.out)
	if err != nil {
		return err
	}
	if err := runio.CheckWritable(out, 100<<20); err != nil {
		return err
	}
	bin := *binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return fmt.Errorf("-binary: cannot find this executable: %w", err)
		}
	}
	neural := *f.neural
	if neural != "" {
		if neural, err = filepath.Abs(neural); err != nil {
			return err
		}
	}
	dataDir := f.data.Dir
	if dataDir != "" {
		if dataDir, err = filepath.Abs(dataDir); err != nil {
			return err
		}
	}
	plan := sweepPlan{Config: cfg, Out: out, Neural: neural, DataDir: dataDir, SkipVerify: f.data.SkipVerify,
		CacheDir: f.data.CacheDir, Units: units(cfg)}
	dir := filepath.Join(out, "sweep-"+runio.Hash(plan))
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	planPath := filepath.Join(dir, "plan.json")
	if err := runio.WriteJSON(planPath, plan); err != nil {
		return err
	}
	if err := writeSlurmScripts(dir, bin, planPath, len(plan.Units), so); err != nil {
		return err
	}
	fmt.Printf("plan: %s (%d models)\nsubmit: bash %s\n", planPath, len(plan.Units), filepath.Join(dir, "submit.sh"))
	return nil
}

// writeSlurmScripts writes prepare.sbatch, array.sbatch (one task per
// model), report.sbatch and submit.sh, which submits them chained by
// dependencies (the report runs whatever the array's outcome).
//
// Paths reach bash quoted for the shell (shellQuote), never with Go's %q,
// which leaves $ and backticks live. The log paths go on sbatch's command
// line in submit.sh rather than in #SBATCH lines, which sbatch parses by
// rules of its own, not bash's; there a path's % is doubled, since sbatch
// reads %j, %a… in --output as patterns. A path with a backslash (which
// makes sbatch ignore every pattern) or a newline is refused.
func writeSlurmScripts(dir, bin, plan string, n int, so slurmOptions) error {
	for _, p := range []string{dir, bin, plan} {
		if strings.ContainsAny(p, "\\\n") {
			return fmt.Errorf("sweep: %q: a path with a backslash or a newline cannot be passed to sbatch safely", p)
		}
	}
	header := func(name, extra string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "#!/bin/bash\n#SBATCH --job-name=brainreg-%s\n#SBATCH --cpus-per-task=%d\n#SBATCH --mem=%d\n#SBATCH --time=%s\n",
			name, so.CPUs, so.MemMB, so.Time)
		if so.Partition != "" {
			fmt.Fprintf(&b, "#SBATCH --partition=%s\n", so.Partition)
		}
		b.WriteString(extra)
		b.WriteString("set -euo pipefail\n")
		return b.String()
	}
	run := func(sub string) string {
		return "exec " + shellQuote(bin) + " " + sub + " -plan " + shellQuote(plan) + "\n"
	}
	logs := filepath.Join(dir, "logs")
	output := func(pattern string) string {
		return shellQuote("--output=" + strings.ReplaceAll(logs, "%", "%%") + "/" + pattern)
	}
	files := map[string]string{
		"prepare.sbatch": header("prepare", "") + run("prepare"),
		"array.sbatch":   header("task", fmt.Sprintf("#SBATCH --array=0-%d\n", n-1)) + run("task"),
		"report.sbatch":  header("report", "") + run("report"),
		"submit.sh": "#!/bin/bash\n# Submits the sweep: prepare, then the array, then the report.\nset -euo pipefail\ncd " + shellQuote(dir) + "\n" +
			"prep=$(sbatch --parsable " + output("prepare-%j.out") + " prepare.sbatch)\n" +
			"arr=$(sbatch --parsable " + output("task-%a-%j.out") + " --dependency=afterok:${prep%%;*} array.sbatch)\n" +
			"rep=$(sbatch --parsable " + output("report-%j.out") + " --dependency=afterany:${arr%%;*} report.sbatch)\n" +
			"echo \"submitted: prepare ${prep%%;*}, array ${arr%%;*}, report ${rep%%;*}\"\n",
	}
	for name, body := range files {
		if err := checkpoint.WriteFileAtomic(filepath.Join(dir, name), []byte(body)); err != nil {
			return err
		}
	}
	return nil
}

// shellQuote quotes s as one word for bash: inside single quotes nothing is
// special, and a single quote is written as '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// loadPlan reads plan.json and applies the task's threads: -threads, else
// SLURM_CPUS_PER_TASK.
func loadPlan(path string, threads int) (*sweepPlan, error) {
	var plan sweepPlan
	if err := runio.ReadJSON(path, &plan); err != nil {
		return nil, fmt.Errorf("-plan: %w", err)
	}
	if len(plan.Units) == 0 || plan.Out == "" {
		return nil, fmt.Errorf("-plan %s: no models or no output directory", path)
	}
	if threads == 0 {
		if v := os.Getenv("SLURM_CPUS_PER_TASK"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("SLURM_CPUS_PER_TASK=%q is not a positive whole number", v)
			}
			threads = n
		}
	}
	setThreads(threads)
	return &plan, nil
}

func planFlags(name string) (*flag.FlagSet, *string, *int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	plan := fs.String("plan", "", "plan.json written by cifar_reg sweep")
	threads := fs.Int("threads", 0, "goroutines for the kernels (default: SLURM_CPUS_PER_TASK, else all cores)")
	return fs, plan, threads
}

func runPrepare(ctx context.Context, args []string) error {
	fs, planPath, threads := planFlags("prepare")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	plan, err := loadPlan(*planPath, *threads)
	if err != nil {
		return err
	}
	_, err = prepare(ctx, plan.Config, plan.Out, plan.Neural, plan.dataOptions(), os.Stderr, true)
	return err
}

func runTask(ctx context.Context, args []string) error {
	fs, planPath, threads := planFlags("task")
	index := fs.Int("index", -1, "the model to run (default: SLURM_ARRAY_TASK_ID)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	plan, err := loadPlan(*planPath, *threads)
	if err != nil {
		return err
	}
	i := *index
	if i < 0 {
		v := os.Getenv("SLURM_ARRAY_TASK_ID")
		if i, err = strconv.Atoi(v); err != nil {
			return fmt.Errorf("no -index and SLURM_ARRAY_TASK_ID=%q is not a task index", v)
		}
	}
	if i < 0 || i >= len(plan.Units) {
		return fmt.Errorf("task index %d out of range: the plan has %d models (0–%d)", i, len(plan.Units), len(plan.Units)-1)
	}
	u := plan.Units[i]
	p, err := prepare(ctx, plan.Config, plan.Out, plan.Neural, plan.dataOptions(), os.Stderr, false)
	if err != nil {
		return err
	}
	if r, err := finishedUnit(p, u); err != nil {
		return err
	} else if r != nil {
		fmt.Fprintf(os.Stderr, "task %d (%s α=%g seed %d): already complete\n", i, u.Kind, u.Alpha, u.Seed)
		return nil
	}
	if err := p.makeTransfer(ctx, os.Stderr); err != nil {
		return err
	}
	_, err = runUnit(ctx, p, u, os.Stderr)
	return err
}

func runReport(ctx context.Context, args []string) error {
	fs, planPath, threads := planFlags("report")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	plan, err := loadPlan(*planPath, *threads)
	if err != nil {
		return err
	}
	dir, done, err := reportPlan(ctx, plan, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("report: %s (%d of %d models finished)\n", dir, done, len(plan.Units))
	return nil
}

// reportPlan writes the report of a plan's finished models.
func reportPlan(ctx context.Context, plan *sweepPlan, log io.Writer) (dir string, done int, err error) {
	p, err := prepare(ctx, plan.Config, plan.Out, plan.Neural, plan.dataOptions(), log, false)
	if err != nil {
		return "", 0, err
	}
	var runs []*modelRun
	for _, u := range plan.Units {
		r, err := finishedUnit(p, u)
		if err != nil {
			return "", 0, err
		}
		if r != nil {
			runs = append(runs, r)
		}
	}
	dir, err = writeReportOf(p, runs)
	return dir, len(runs), err
}
