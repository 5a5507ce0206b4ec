// Package progress prints the progress of long runs: how far, how fast, and
// how long is left. On a terminal it redraws one line in place a few times a
// second; elsewhere (a log file, a cluster job's output) it prints a plain
// line at a fixed interval, so logs stay readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
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

// Bar reports progress through total units (images, steps) of one task.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	label    string
	unit     string
	total    int
	start    time.Time
	last     time.Time
	interval time.Duration
	now      func() time.Time
	lineLen  int
}

// New returns a Bar writing to w. Whether w is a terminal decides the style;
// interval is how often a plain line is printed when it is not (a terminal
// line is redrawn at most every 200 ms).
func New(w io.Writer, label, unit string, total int, interval time.Duration) *Bar {
	b := &Bar{w: w, tty: IsTerminal(w), label: label, unit: unit, total: total, interval: interval, now: time.Now}
	b.start = b.now()
	b.last = b.start
	return b
}

// IsTerminal reports whether w is a character device (an interactive
// terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Update records that done of total units are finished and prints if it is
// time to.
func (b *Bar) Update(done int, fields ...Field) {
	b.mu.Lock()
	defer b.mu.Unlock()
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
	b.print(b.now(), done, fields)
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) print(now time.Time, done int, fields []Field) {
	line := Line(b.label, b.unit, done, b.total, now.Sub(b.start), fields)
	if !b.tty {
		fmt.Fprintln(b.w, line)
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
// fields, elapsed time and the time left at the average rate so far.
func Line(label, unit string, done, total int, elapsed time.Duration, fields []Field) string {
	var sb strings.Builder
	sb.WriteString(label)
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	fmt.Fprintf(&sb, " %d/%d %s (%.1f%%)", done, total, unit, pct)
	secs := elapsed.Seconds()
	if secs > 0 && done > 0 {
		rate := float64(done) / secs
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
