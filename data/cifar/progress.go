package cifar

import (
	"io"
	"time"

	"github.com/brainreg/brainreg/internal/progress"
)

// downloadProgress returns the bar that counts the bytes of a download written through it
// (total −1 when the server did not say): on a terminal one line redrawn in place five times
// a second, otherwise (logs, CI) a plain line with a UTC timestamp every five seconds, e.g.
// "2026-12-03T06:57:22Z cifar-10-binary.tar.gz 45.1/170.1 MB (26.5%) 4.5 MB/s elapsed 10s left 28s".
func downloadProgress(w io.Writer, name string, total int64) *progress.Bar {
	return progress.NewBytes(w, name, total, 5*time.Second)
}
