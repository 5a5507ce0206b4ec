package cifar

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress counts the bytes written through it and reports them: on a terminal one line
// rewritten in place five times a second, otherwise (logs, CI) a plain line every five seconds.
type progress struct {
	w           io.Writer
	name        string
	total       int64 // −1 when the server did not say
	done        int64
	start, last time.Time
	every       time.Duration
	tty         bool
}

func newProgress(w io.Writer, name string, total int64) *progress {
	p := &progress{w: w, name: name, total: total, start: time.Now(), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, 200*time.Millisecond
		}
	}
	p.last = p.start
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.print(progressLine(p.name, p.done, p.total, now.Sub(p.start)))
	}
	return len(b), nil
}

// finish prints the last line: the total and mean speed, or where it stopped.
func (p *progress) finish(err error) {
	line := progressLine(p.name, p.done, p.total, time.Since(p.start))
	if err != nil {
		line += ": failed"
	} else {
		line += ": done"
	}
	p.print(line)
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

func (p *progress) print(line string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line) // back to column 0, clear the line
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// progressLine is e.g. "cifar-10-binary.tar.gz: 45.1 of 170.1 MB (26.5%), 5.2 MB/s, 24s left".
func progressLine(name string, done, total int64, elapsed time.Duration) string {
	const mb = 1e6
	speed := 0.0
	if s := elapsed.Seconds(); s > 0 {
		speed = float64(done) / s
	}
	if total <= 0 {
		return fmt.Sprintf("%s: %.1f MB, %.1f MB/s", name, float64(done)/mb, speed/mb)
	}
	line := fmt.Sprintf("%s: %.1f of %.1f MB (%.1f%%), %.1f MB/s", name, float64(done)/mb,
		float64(total)/mb, 100*float64(done)/float64(total), speed/mb)
	if speed > 0 && done < total {
		left := time.Duration(float64(total-done) / speed * float64(time.Second))
		line += fmt.Sprintf(", %s left", left.Round(time.Second))
	}
	return line
}
