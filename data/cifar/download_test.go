package cifar

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// makeArchive writes the files of layout l into a tar.gz laid out like the official archive
// (everything under l.Dir/), plus entries Download must skip, and returns the layout with the
// files' and the archive's MD5s.
func makeArchive(t *testing.T, base Layout, records int) (Layout, []byte) {
	t.Helper()
	src := t.TempDir()
	l := writeTiny(t, tiny(base, records), src, 11)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: l.Dir + "/", Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
		t.Fatal(err)
	}
	for _, f := range l.files() {
		data, err := os.ReadFile(filepath.Join(src, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		add(l.Dir+"/"+f.Name, data)
	}
	add(l.Dir+"/readme.html", []byte("<p>hello</p>"))
	add("../escape.bin", []byte("must not be written"))
	add(l.Dir+"/../../escape2.bin", []byte("must not be written"))
	add("other/file.bin", []byte("skipped"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(buf.Bytes())
	l.ArchiveMD5 = hex.EncodeToString(sum[:])
	return l, buf.Bytes()
}

// serve serves body at /<archive name>, counting requests; half makes it send the headers of
// the whole body, then half of it, then drop the connection.
func serve(t *testing.T, l Layout, body []byte, half bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/"+l.ArchiveName() {
			http.NotFound(w, r)
			return
		}
		if !half {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.Write(body)
			return
		}
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(body))
		rw.Write(body[:len(body)/2])
		rw.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// entries lists a directory, to check that nothing was left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestDownload(t *testing.T) {
	for _, base := range []Layout{CIFAR10(), CIFAR100()} {
		t.Run(base.Name, func(t *testing.T) {
			t.Setenv(base.EnvVar, "")
			l, archive := makeArchive(t, base, 20)
			if l.CoarseClasses > 0 {
				// No MD5s of CIFAR-100's files are published: only the archive's is checked.
				for _, files := range [][]FileSpec{l.Train, l.Test} {
					for i := range files {
						files[i].MD5 = ""
					}
				}
			}
			srv, hits := serve(t, l, archive, false)
			l.URL = srv.URL + "/" + l.ArchiveName()
			top := t.TempDir()
			cache := filepath.Join(top, "cache")
			var progress bytes.Buffer
			opt := Options{Download: true, CacheDir: cache, Progress: &progress}

			d, err := Load(context.Background(), l, opt)
			if err != nil {
				t.Fatal(err)
			}
			n := 20 * len(l.Train)
			if d.Train.Len() != n || d.Test.Len() != 20 || d.Dir != filepath.Join(cache, l.Dir) {
				t.Fatalf("loaded %d/%d images from %s", d.Train.Len(), d.Test.Len(), d.Dir)
			}
			if got := entries(t, cache); !slices.Equal(got, []string{l.Dir}) {
				t.Errorf("cache holds %v, want only %s", got, l.Dir)
			}
			want := []string{"readme.html"}
			for _, f := range l.files() {
				want = append(want, f.Name)
			}
			slices.Sort(want)
			if got := entries(t, d.Dir); !slices.Equal(got, want) {
				t.Errorf("extracted %v, want %v", got, want)
			}
			if got := entries(t, top); !slices.Equal(got, []string{"cache"}) {
				t.Errorf("archive wrote outside the cache: %v", got)
			}
			last := strings.TrimSpace(progress.String())
			final := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ` + regexp.QuoteMeta(l.ArchiveName()) + ` .* \(100\.0%\) `)
			if !final.MatchString(last[strings.LastIndex(last, "\n")+1:]) {
				t.Errorf("progress output %q", progress.String())
			}
			// The second time the copy in the cache is found: no request.
			if _, err := Load(context.Background(), l, opt); err != nil || hits.Load() != 1 {
				t.Errorf("second load: %v, %d requests", err, hits.Load())
			}
		})
	}
}

func TestDownloadFailures(t *testing.T) {
	t.Setenv("CIFAR10_DIR", "")
	l, archive := makeArchive(t, CIFAR10(), 5)
	corrupt := slices.Clone(archive)
	corrupt[len(corrupt)/2] ^= 0x40
	sum := md5.Sum(corrupt)

	badFiles := l // the archive is right but one file's published MD5 is not
	badFiles.Train = slices.Clone(l.Train)
	badFiles.Train[0].MD5 = strings.Repeat("0", 32)

	for _, c := range []struct {
		name string
		l    Layout
		body []byte
		half bool
		path string // URL path asked for; "" is the archive
		want string // the error, with URL for the archive's address
	}{
		{"corrupt archive", l, corrupt, false, "",
			fmt.Sprintf("cifar: URL: checksum mismatch: downloaded archive has MD5 %s (%d bytes), want MD5 %s: corrupt download, removed",
				hex.EncodeToString(sum[:]), len(corrupt), l.ArchiveMD5)},
		{"interrupted", l, archive, true, "",
			fmt.Sprintf("cifar: URL: download interrupted after %d of %d bytes: unexpected EOF", len(archive)/2, len(archive))},
		{"not found", l, archive, false, "/nothing.tar.gz", "cifar: URL: 404 Not Found"},
		{"bad file in archive", badFiles, archive, false, "",
			fmt.Sprintf("cifar: archive URL holds bad files: cifar: CACHE/%s/data_batch_1.bin: checksum mismatch: MD5 %s (%d bytes), "+
				"want MD5 %s: corrupt or not the official CIFAR-10 file (-skip-verify loads another copy)",
				l.Dir, l.Train[0].MD5, 5*3073, badFiles.Train[0].MD5)},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := serve(t, c.l, c.body, c.half)
			url := srv.URL + "/" + l.ArchiveName()
			if c.path != "" {
				url = srv.URL + c.path
			}
			cache := t.TempDir()
			var progress bytes.Buffer
			_, err := Load(context.Background(), c.l, Options{Download: true, CacheDir: cache, URL: url, Progress: &progress})
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.ReplaceAll(err.Error(), url, "URL")
			// The extracted files sit in a temporary directory whose name is random.
			if i := strings.Index(got, cache+"/."+l.Dir+".tmp-"); i >= 0 {
				j := i + strings.Index(got[i:], "/"+l.Dir+"/")
				got = got[:i] + "CACHE" + got[j:]
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if left := entries(t, cache); len(left) != 0 {
				t.Errorf("left behind in the cache: %v", left)
			}
		})
	}
}

func TestFindNotFound(t *testing.T) {
	t.Setenv("CIFAR10_DIR", "")
	cache := t.TempDir()
	l := CIFAR10()
	_, err := Load(context.Background(), l, Options{CacheDir: cache})
	want := fmt.Sprintf("cifar: data set not found: no CIFAR-10 directory given (-data), $CIFAR10_DIR not set, and %s/cifar-10-batches-bin does not exist; "+
		"download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (MD5 c32a1d4ab5d03f1284b67883e8d87530) and extract it there, "+
		"or allow the download", cache)
	if err == nil || err.Error() != want || !errors.Is(err, ErrNotFound) {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	// A -data directory wins over the environment, the environment over the cache.
	t.Setenv("CIFAR10_DIR", "/from/env")
	if d, _ := Find(l, Options{CacheDir: cache}); d != "/from/env" {
		t.Errorf("Find = %s, want the environment's", d)
	}
	if d, _ := Find(l, Options{Dir: "/from/flag", CacheDir: cache}); d != "/from/flag" {
		t.Errorf("Find = %s, want the flag's", d)
	}
}

// Written to a non-terminal, the download progress is plain lines, each after a UTC
// timestamp, with the bytes in MB (the bar itself is tested in internal/progress).
func TestDownloadProgress(t *testing.T) {
	var buf bytes.Buffer
	p := downloadProgress(&buf, "a.tgz", 10_000_000)
	p.Write(make([]byte, 4_000_000))
	p.Write(make([]byte, 6_000_000))
	p.Finish(10_000_000)
	sc := bufio.NewScanner(&buf)
	lines := 0
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ a\.tgz 10\.0/10\.0 MB \(100\.0%\) `)
	for sc.Scan() {
		lines++
		if strings.ContainsAny(sc.Text(), "\r\033") || !line.MatchString(sc.Text()) {
			t.Errorf("progress line %q", sc.Text())
		}
	}
	if lines != 1 {
		t.Errorf("%d lines within the interval, want only the final one: %q", lines, buf.String())
	}
}

func TestAddFlags(t *testing.T) {
	var opt Options
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	opt.AddFlags(fs)
	if !opt.Download {
		t.Error("download is not on by default")
	}
	if err := fs.Parse([]string{"-data", "/d", "-skip-verify", "-download=false", "-cache", "/c"}); err != nil {
		t.Fatal(err)
	}
	if opt != (Options{Dir: "/d", SkipVerify: true, CacheDir: "/c"}) {
		t.Errorf("parsed %+v", opt)
	}
}
