// Package progress prints the progress of long runs: how far, how fast, and
// how long is left. On a terminal it redraws one line in place a few times a
// second; elsewhere (a log file, a cluster job's output, /dev/null) it prints
// a plain line at a fixed interval, each starting with the time in UTC
// (RFC 3339), so a log of a days-long run can be read:
//
//	2026-12-03T06:57:22Z train epoch 2/5 250/1000 img (25.0%) 25.0 img/s loss 1.235 elapsed 10s left 30s
//
// A Plan prints one such stamped line as each stage of a run begins.
//
// The package is internal to the module and imports nothing of it, so every
// layer (data, nn, experiments) can use it.
package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Field is a named value shown after the rate, such as the loss.
type Field struct {
	Name  string
	Value string
}

// F formats a field with fmt verbs: F("loss", "%.3f", l).
func F(name, format string, args ...any) Field {
	return Field{Name: name, Value: fmt.Sprintf(format, args...)}
}

// Bar reports progress through total units (images, steps, bytes) of one
// task.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	label    string
	unit     string
	bytes    bool  // counts are bytes, shown in MB
	total    int64 // < 0: not known
	done     int64 // the last count given or written
	start    time.Time
	last     time.Time
	interval time.Duration
	now      func() time.Time
	lineLen  int
}

// New returns a Bar writing to w. Whether w is a terminal decides the style;
// interval is how often a plain line is printed when it is not (a terminal
// line is redrawn at most every 200 ms). A negative total means it is not
// known: the line shows the count and rate without a percentage or time
// left.
func New(w io.Writer, label, unit string, total int, interval time.Duration) *Bar {
	return newBar(w, label, unit, false, int64(total), interval)
}

// NewBytes returns a Bar counting bytes, shown in MB (10⁶ bytes), as New
// does; total is negative when it is not known (a response without a
// Content-Length). Its Write method makes it an io.Writer that counts what
// passes through it, for io.Copy and io.MultiWriter:
//
//	a.tgz 45.1/170.1 MB (26.5%) 4.5 MB/s elapsed 10s left 28s
func NewBytes(w io.Writer, label string, total int64, interval time.Duration) *Bar {
	return newBar(w, label, "MB", true, total, interval)
}

func newBar(w io.Writer, label, unit string, bytes bool, total int64, interval time.Duration) *Bar {
	b := &Bar{w: w, tty: IsTerminal(w), label: label, unit: unit, bytes: bytes, total: total, interval: interval, now: time.Now}
	b.start = b.now()
	b.last = b.start
	return b
}

// IsTerminal reports whether w is an *os.File open on an interactive
// terminal. Other character devices, such as /dev/null, are not terminals.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}

// Stamp is the timestamp that starts a plain line: t in UTC as RFC 3339,
// e.g. "2026-12-03T06:57:22Z".
func Stamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// Update records that done of total units are finished and prints if it is
// time to.
func (b *Bar) Update(done int, fields ...Field) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.update(int64(done), fields)
}

// Write adds len(p) to the count and prints if it is time to; it never
// fails.
func (b *Bar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.update(b.done+int64(len(p)), nil)
	return len(p), nil
}

func (b *Bar) update(done int64, fields []Field) {
	b.done = done
	now := b.now()
	every := b.interval
	if b.tty {
		every = 200 * time.Millisecond
	}
	if now.Sub(b.last) < every {
		return
	}
	b.last = now
	b.print(now, done, fields)
}

// Finish prints the final state on its own line.
func (b *Bar) Finish(done int, fields ...Field) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = int64(done)
	b.print(b.now(), b.done, fields)
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) print(now time.Time, done int64, fields []Field) {
	line := line(b.label, b.unit, b.bytes, done, b.total, now.Sub(b.start), fields)
	if !b.tty {
		fmt.Fprintln(b.w, Stamp(now)+" "+line)
		return
	}
	pad := ""
	if n := b.lineLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	b.lineLen = len(line)
	fmt.Fprint(b.w, "\r"+line+pad)
}

// Line formats one progress line: label, done/total, percentage, rate,
// fields, elapsed time and the time left at the average rate so far. A
// negative total is not known: the line then shows only done.
func Line(label, unit string, done, total int, elapsed time.Duration, fields []Field) string {
	return line(label, unit, false, int64(done), int64(total), elapsed, fields)
}

// line is Line, with counts and the rate in MB when bytes is set.
func line(label, unit string, bytes bool, done, total int64, elapsed time.Duration, fields []Field) string {
	count := func(n int64) string {
		if bytes {
			return fmt.Sprintf("%.1f", float64(n)/1e6)
		}
		return strconv.FormatInt(n, 10)
	}
	var sb strings.Builder
	sb.WriteString(label)
	if total < 0 {
		fmt.Fprintf(&sb, " %s %s", count(done), unit)
	} else {
		pct := 0.0
		if total > 0 {
			pct = 100 * float64(done) / float64(total)
		}
		fmt.Fprintf(&sb, " %s/%s %s (%.1f%%)", count(done), count(total), unit, pct)
	}
	secs := elapsed.Seconds()
	if secs > 0 && done > 0 {
		rate := float64(done) / secs
		if bytes {
			rate /= 1e6
		}
		fmt.Fprintf(&sb, " %.1f %s/s", rate, unit)
	}
	for _, f := range fields {
		fmt.Fprintf(&sb, " %s %s", f.Name, f.Value)
	}
	fmt.Fprintf(&sb, " elapsed %s", Duration(elapsed))
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
		fmt.Fprintf(&sb, " left %s", Duration(left))
	}
	return sb.String()
}

// Duration formats d compactly: 45s, 12m03s, 3h07m.
func Duration(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
	}
}
