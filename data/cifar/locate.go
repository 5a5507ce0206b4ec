package cifar

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// ErrNotFound: no copy of the data set was found (see Find).
var ErrNotFound = errors.New("data set not found")

// Options say where the data is and what to do when it is not there.
type Options struct {
	Dir        string       // data directory given by the user (a -data flag); "" to look elsewhere
	SkipVerify bool         // accept files whose MD5 differs (other copies); sizes and labels are still checked
	Download   bool         // when no copy is found, download the archive into CacheDir
	CacheDir   string       // where downloads go; "" means DefaultCacheDir()
	URL        string       // archive to download; "" means the layout's official URL
	Progress   io.Writer    // download progress; nil means os.Stderr
	Client     *http.Client // nil means http.DefaultClient
}

// AddFlags registers the command-line flags -data, -skip-verify, -download (on by default) and
// -cache on fs; parsing fs fills o.
func (o *Options) AddFlags(fs *flag.FlagSet) {
	o.Download = true
	fs.StringVar(&o.Dir, "data", o.Dir, "CIFAR data directory (default $CIFAR10_DIR, then the cache)")
	fs.BoolVar(&o.SkipVerify, "skip-verify", o.SkipVerify, "accept data files whose MD5 differs from the published one")
	fs.BoolVar(&o.Download, "download", o.Download, "download the official archive into -cache when no copy is found")
	fs.StringVar(&o.CacheDir, "cache", o.CacheDir, "download cache (default the user cache directory/brainreg)")
}

// DefaultCacheDir is os.UserCacheDir()/brainreg (on Linux ~/.cache/brainreg).
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cifar: no cache directory: %w", err)
	}
	return filepath.Join(d, "brainreg"), nil
}

func (o Options) cacheDir() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	return DefaultCacheDir()
}

// Find returns the data directory: opt.Dir when given, else $EnvVar (CIFAR10_DIR) when set, else
// the copy in the cache directory when there is one. Otherwise the error wraps ErrNotFound and
// says where it looked.
func Find(l Layout, opt Options) (string, error) {
	if opt.Dir != "" {
		return opt.Dir, nil
	}
	if d := os.Getenv(l.EnvVar); d != "" {
		return d, nil
	}
	cache, err := opt.cacheDir()
	if err != nil {
		return "", err
	}
	d := filepath.Join(cache, l.Dir)
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d, nil
	}
	return "", fmt.Errorf("cifar: %w: no %s directory given (-data), $%s not set, and %s does not exist; "+
		"download %s (MD5 %s) and extract it there, or allow the download",
		ErrNotFound, l.Name, l.EnvVar, d, l.URL, l.ArchiveMD5)
}

// Load finds the data set (Find), downloads it when it is not found and opt.Download is set,
// and opens it (Open).
func Load(ctx context.Context, l Layout, opt Options) (*Data, error) {
	dir, err := Find(l, opt)
	if errors.Is(err, ErrNotFound) && opt.Download {
		dir, err = Download(ctx, l, opt)
	}
	if err != nil {
		return nil, err
	}
	return Open(l, dir, opt.SkipVerify)
}
