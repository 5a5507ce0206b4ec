package progress

import (
	"bytes"
	"os"
	"regexp"
	"runtime"
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
	if got := Line("x", "steps", 5, -1, 2*time.Second, nil); got != "x 5 steps 2.5 steps/s elapsed 2s" {
		t.Fatalf("Line of an unknown total: %q", got)
	}
}

// Byte counts and rates are shown in MB; an unknown total shows the count
// alone.
func TestByteLine(t *testing.T) {
	for _, c := range []struct {
		done, total int64
		elapsed     time.Duration
		want        string
	}{
		{45_100_000, 170_100_000, 10 * time.Second, "a.tgz 45.1/170.1 MB (26.5%) 4.5 MB/s elapsed 10s left 28s"},
		{170_100_000, 170_100_000, 20 * time.Second, "a.tgz 170.1/170.1 MB (100.0%) 8.5 MB/s elapsed 20s"},
		{2_000_000, -1, time.Second, "a.tgz 2.0 MB 2.0 MB/s elapsed 1s"},
	} {
		if got := line("a.tgz", "MB", true, c.done, c.total, c.elapsed, nil); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
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

func TestStamp(t *testing.T) {
	at := time.Date(2026, 12, 3, 1, 57, 22, 900_000_000, time.FixedZone("EST", -5*3600))
	if got := Stamp(at); got != "2026-12-03T06:57:22Z" {
		t.Errorf("Stamp = %q", got)
	}
}

// testBar returns a bar writing to w whose clock is *clock.
func testBar(w *bytes.Buffer, total int, interval time.Duration, clock *time.Time) *Bar {
	b := New(w, "eval", "img", total, interval)
	b.now = func() time.Time { return *clock }
	b.start, b.last = *clock, *clock
	return b
}

// Off a terminal, lines are printed at the interval, plus the final one,
// each after the time in UTC.
func TestPlainLinesAtInterval(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 12, 3, 6, 57, 12, 0, time.UTC)
	b := testBar(&buf, 100, 10*time.Second, &clock)
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
	if want := "2026-12-03T06:57:22Z eval 10/100 img (10.0%) 1.0 img/s elapsed 10s left 1m30s"; lines[0] != want {
		t.Fatalf("first line\n%q, want\n%q", lines[0], want)
	}
	if want := "2026-12-03T06:58:52Z eval 100/100 img (100.0%) 1.0 img/s elapsed 1m40s"; lines[10] != want {
		t.Fatalf("last line\n%q, want\n%q", lines[10], want)
	}
	stamped := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ eval `)
	for _, l := range lines {
		if !stamped.MatchString(l) || strings.ContainsAny(l, "\r\033") {
			t.Errorf("line %q", l)
		}
	}
}

// On a terminal the line is redrawn in place, without a timestamp, and
// padded to cover a longer previous line.
func TestTerminalRedraw(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 12, 3, 6, 57, 12, 0, time.UTC)
	b := testBar(&buf, 100, 10*time.Second, &clock)
	b.tty = true
	clock = clock.Add(time.Second)
	b.Update(10, F("loss", "%.3f", 2.0))
	clock = clock.Add(100 * time.Millisecond)
	b.Update(11) // within 200 ms: not drawn
	clock = clock.Add(time.Second)
	b.Update(20)
	b.Finish(20)
	want := "\reval 10/100 img (10.0%) 10.0 img/s loss 2.000 elapsed 1s left 9s" +
		"\reval 20/100 img (20.0%) 9.5 img/s elapsed 2s left 8s            " +
		"\reval 20/100 img (20.0%) 9.5 img/s elapsed 2s left 8s\n"
	if buf.String() != want {
		t.Errorf("got\n%q, want\n%q", buf.String(), want)
	}
}

// A byte bar counts what is written through it.
func TestBytesWriter(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 12, 3, 6, 57, 22, 0, time.UTC)
	b := NewBytes(&buf, "a.tgz", 10_000_000, 5*time.Second)
	b.now = func() time.Time { return clock }
	b.start, b.last = clock, clock
	for range 10 {
		clock = clock.Add(time.Second)
		if n, err := b.Write(make([]byte, 1_000_000)); n != 1_000_000 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	b.Finish(10_000_000)
	want := "2026-12-03T06:57:27Z a.tgz 5.0/10.0 MB (50.0%) 1.0 MB/s elapsed 5s left 5s\n" +
		"2026-12-03T06:57:32Z a.tgz 10.0/10.0 MB (100.0%) 1.0 MB/s elapsed 10s\n" +
		"2026-12-03T06:57:32Z a.tgz 10.0/10.0 MB (100.0%) 1.0 MB/s elapsed 10s\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

// /dev/null is a character device but not a terminal: a bar writing to it
// prints plain lines at the interval.
func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if runtime.GOOS != "windows" {
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("%s has mode %v: not a character device", os.DevNull, st.Mode())
		}
	}
	if IsTerminal(f) {
		t.Errorf("IsTerminal(%s) = true", os.DevNull)
	}
	b := New(f, "eval", "img", 10, time.Minute)
	if b.tty {
		t.Errorf("a bar writing to %s redraws as on a terminal", os.DevNull)
	}
	if IsTerminal(&bytes.Buffer{}) || IsTerminal((*os.File)(nil)) {
		t.Error("a buffer or a nil file is a terminal")
	}
}
