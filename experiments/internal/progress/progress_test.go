package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	got := Line("train epoch 2/5", "img", 250, 1000, 10*time.Second, []Field{F("loss", "%.3f", 1.23456)})
	want := "train epoch 2/5 250/1000 img (25.0%) 25.0 img/s loss 1.235 elapsed 10s left 30s"
	if got != want {
		t.Fatalf("Line:\n got %q\nwant %q", got, want)
	}
	if got := Line("x", "steps", 0, 10, 0, nil); got != "x 0/10 steps (0.0%) elapsed 0s" {
		t.Fatalf("Line at start: %q", got)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		3 * time.Second: "3s", 125 * time.Second: "2m05s", 3*time.Hour + 7*time.Minute + 30*time.Second: "3h07m",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// Off a terminal, lines are printed at the interval, plus the final one.
func TestPlainLinesAtInterval(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	b := New(&buf, "eval", "img", 100, 10*time.Second)
	b.now = func() time.Time { return clock }
	b.start, b.last = clock, clock
	for i := 1; i <= 100; i++ {
		clock = clock.Add(time.Second)
		b.Update(i)
	}
	b.Finish(100)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// Updates at 10 s, 20 s, … 100 s, then Finish.
	if len(lines) != 11 {
		t.Fatalf("%d lines, want 11:\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[0], "eval 10/100 img (10.0%) 1.0 img/s elapsed 10s left 1m30s") {
		t.Fatalf("first line %q", lines[0])
	}
}
