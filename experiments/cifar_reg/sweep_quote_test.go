package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The generated scripts hand bash and sbatch every path exactly, however
// odd: a directory named a b$c'd (a space, a dollar, a quote) and 100%j.
// Each script passes bash -n; the exec lines, run with printf in place of
// exec, give back the binary, the subcommand and the plan's path; submit.sh,
// run against a stand-in sbatch that records its arguments, cds into the
// directory and gives the log paths with % doubled for sbatch's patterns.
func TestSweepScriptsQuoteForTheShell(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	root := filepath.Join(t.TempDir(), "a b$c'd", "100%j `x`")
	dir := filepath.Join(root, "sweep-1")
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin dir", "cifar_reg")
	plan := filepath.Join(dir, "plan.json")
	if err := writeSlurmScripts(dir, bin, plan, 3, slurmOptions{CPUs: 1, MemMB: 1000, Time: "00:10:00"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"prepare.sbatch", "array.sbatch", "report.sbatch", "submit.sh"} {
		path := filepath.Join(dir, name)
		if out, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
			t.Fatalf("bash -n %s: %v\n%s", name, err, out)
		}
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(body), "#SBATCH --output") {
			t.Errorf("%s still puts a path in an #SBATCH line:\n%s", name, body)
		}
		for _, line := range strings.Split(string(body), "\n") {
			if !strings.HasPrefix(line, "exec ") {
				continue
			}
			out, err := exec.Command("bash", "-c", "printf '%s\\n' "+strings.TrimPrefix(line, "exec ")).Output()
			if err != nil {
				t.Fatalf("%s: %q: %v", name, line, err)
			}
			sub := strings.TrimSuffix(name, ".sbatch")
			if sub == "array" {
				sub = "task"
			}
			if got, want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"), []string{bin, sub, "-plan", plan}; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: bash reads %q as %q, want %q", name, line, got, want)
			}
		}
	}

	// submit.sh against a stand-in sbatch on PATH.
	fake := t.TempDir()
	record := filepath.Join(fake, "calls")
	script := "#!/bin/bash\n{ pwd; printf '%s\\n' \"$@\"; echo --; } >> " + shellQuote(record) + "\necho 42\n"
	if err := os.WriteFile(filepath.Join(fake, "sbatch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(dir, "submit.sh"))
	cmd.Env = append(os.Environ(), "PATH="+fake+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "submitted: prepare 42, array 42, report 42") {
		t.Fatalf("submit.sh: %v\n%s", err, out)
	}
	calls, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	logs := strings.ReplaceAll(filepath.Join(dir, "logs"), "%", "%%")
	want := strings.Join([]string{
		dir, "--parsable", "--output=" + logs + "/prepare-%j.out", "prepare.sbatch", "--",
		dir, "--parsable", "--output=" + logs + "/task-%a-%j.out", "--dependency=afterok:42", "array.sbatch", "--",
		dir, "--parsable", "--output=" + logs + "/report-%j.out", "--dependency=afterany:42", "report.sbatch", "--", ""}, "\n")
	if string(calls) != want {
		t.Errorf("sbatch was called with\n%s\nwant\n%s", calls, want)
	}

	if err := writeSlurmScripts(filepath.Join(root, `back\slash`), bin, plan, 1, slurmOptions{CPUs: 1}); err == nil || !strings.Contains(err.Error(), "backslash") {
		t.Errorf("a path with a backslash: %v", err)
	}
}
