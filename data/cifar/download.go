package cifar

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
)

// Download fetches the layout's archive (opt.URL, else the official URL) into the cache
// directory, checks its MD5, extracts it into a temporary directory beside the target, checks
// the extracted files (Verify) and only then renames the directory into place: the target
// directory either does not exist or holds the whole, checked data set. The archive is deleted
// afterwards. When the target already exists Download returns it without fetching anything.
//
// For CIFAR-100 only the archive's MD5 is published, so only the archive is checked by checksum.
func Download(ctx context.Context, l Layout, opt Options) (string, error) {
	cache, err := opt.cacheDir()
	if err != nil {
		return "", err
	}
	target := filepath.Join(cache, l.Dir)
	if _, err := os.Stat(target); err == nil {
		return target, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("cifar: %w", err)
	}
	archive, err := fetch(ctx, l, opt, cache)
	if err != nil {
		return "", err
	}
	defer os.Remove(archive)
	tmp, err := os.MkdirTemp(cache, "."+l.Dir+".tmp-")
	if err != nil {
		return "", fmt.Errorf("cifar: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := extract(archive, tmp, l.Dir); err != nil {
		return "", err
	}
	if err := Verify(l, filepath.Join(tmp, l.Dir)); err != nil {
		return "", fmt.Errorf("cifar: archive %s holds bad files: %w", opt.url(l), err)
	}
	if err := os.Rename(filepath.Join(tmp, l.Dir), target); err != nil {
		if _, serr := os.Stat(target); serr == nil {
			return target, nil // another process put its checked copy there first
		}
		return "", fmt.Errorf("cifar: %w", err)
	}
	return target, nil
}

func (o Options) url(l Layout) string {
	if o.URL != "" {
		return o.URL
	}
	return l.URL
}

// fetch downloads the archive into a temporary file in dir and returns its path once its
// MD5 is right; on any failure the partial file is removed.
func fetch(ctx context.Context, l Layout, opt Options, dir string) (name string, err error) {
	url := opt.url(l)
	client := opt.Client
	if client == nil {
		client = http.DefaultClient
	}
	w := opt.Progress
	if w == nil {
		w = os.Stderr
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("cifar: %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("cifar: %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("cifar: %s: %s", url, resp.Status)
	}
	f, err := os.CreateTemp(dir, "."+l.ArchiveName()+".part-")
	if err != nil {
		return "", fmt.Errorf("cifar: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := md5.New()
	p := downloadProgress(w, l.ArchiveName(), resp.ContentLength)
	n, err := io.Copy(io.MultiWriter(f, h, p), resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	p.Finish(int(n))
	if err != nil {
		return "", fmt.Errorf("cifar: %s: download interrupted after %d of %d bytes: %w",
			url, n, resp.ContentLength, err)
	}
	if err = f.Close(); err != nil {
		return "", fmt.Errorf("cifar: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != l.ArchiveMD5 {
		err = fmt.Errorf("cifar: %s: %w: downloaded archive has MD5 %s (%d bytes), want MD5 %s: corrupt download, removed",
			url, ErrChecksum, got, n, l.ArchiveMD5)
		return "", err
	}
	return f.Name(), nil
}

// extract unpacks the regular files directly under dir/ in the tar.gz archive into into/dir/.
// Anything else (other folders, links, names with "..") is skipped, so the archive cannot
// write outside into.
func extract(archive, into, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("cifar: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("cifar: %s: %w", archive, err)
	}
	if err := os.Mkdir(filepath.Join(into, dir), 0o755); err != nil {
		return fmt.Errorf("cifar: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cifar: %s: %w", archive, err)
		}
		name := path.Clean(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || path.Dir(name) != dir {
			continue
		}
		if err := writeFile(filepath.Join(into, dir, path.Base(name)), tr); err != nil {
			return fmt.Errorf("cifar: %s: %w", archive, err)
		}
	}
}

func writeFile(name string, r io.Reader) error {
	w, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
