// Package cifar reads CIFAR-10 and CIFAR-100 in their official binary layout and turns them into
// the grayscale network inputs of the paper (Li et al. 2019, §4).
//
// Files by topic:
//
//	layout.go    the two data sets: file names, record sizes, published checksums, archive URLs
//	read.go      Open: read and verify a directory into memory (Data, Set)
//	verify.go    size, MD5 and label checks and their error messages
//	locate.go    Find and Load: -data flag, $CIFAR10_DIR, the cache; download when nothing is found
//	download.go  Download: fetch the archive, check its MD5, extract atomically
//	progress.go  the progress line of a download
//	gray.go      Pillow's "L" grayscale and the input scaling 5·(x − 0.5)
//	split.go     the reserved neural stimulus set and the held-out validation split
//	augment.go   random crop of the reflect-padded image and horizontal flip
//	loader.go    batches [B,1,32,32] prepared on a background goroutine, resumable at (epoch, step)
//
// An image is 3 planes of 32×32 bytes (red, green, blue), row-major, exactly as in the files;
// a Set keeps N of them back to back: [N][3][32][32] uint8.
//
// Tests read the real CIFAR-10 as package data/datatest finds it: $CIFAR10_DIR,
// else the shared copy beside the repository, else (unless CI=true) the
// download cache, filled by this package's own verified download.
package cifar
