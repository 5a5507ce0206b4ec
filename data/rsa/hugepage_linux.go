package rsa

import (
	"syscall"
	"unsafe"
)

// adviseHugePages asks Linux to back x with transparent huge pages
// (madvise MADV_HUGEPAGE), as NumPy does for its large arrays. The first
// touch of a fresh similarity matrix or response workspace (80–160 MB at the
// paper's scale) otherwise takes one page fault per 4 KiB: on the shared
// virtual machine this was measured at 1.0 s per 200 MB, against 0.02–0.5 s
// with the advice. Slices under 4 MiB are left alone, and errors (huge pages
// disabled, an old kernel) are ignored: the advice only saves time.
func adviseHugePages[T any](x []T) {
	var zero T
	n := len(x) * int(unsafe.Sizeof(zero))
	if n < 4<<20 {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), n), syscall.MADV_HUGEPAGE)
}
