package datatest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/brainreg/brainreg/data/cifar"
)

// A recorder is a testing.TB whose Fatalf and Skipf record the message and
// stop only the call under test; everything else goes to the real test.
type recorder struct {
	testing.TB
	outcome, msg string // outcome "failed" or "skipped"; "" when the call returned
	logs         []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.outcome, r.msg = "failed", fmt.Sprintf(format, args...)
	panic(r)
}
func (r *recorder) Skipf(format string, args ...any) {
	r.outcome, r.msg = "skipped", fmt.Sprintf(format, args...)
	panic(r)
}
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.TB.Logf(format, args...)
}

// call runs fn on a recorder over t and returns what fn returned, or how
// it stopped and with what message.
func call(t *testing.T, fn func(testing.TB) string) (got string, r *recorder) {
	t.Helper()
	r = &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
	}()
	return fn(r), r
}

// hasAll reports the words missing from msg.
func hasAll(t *testing.T, what, msg string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: message %q does not name %q", what, msg, w)
		}
	}
}

// noNetwork is a transport that counts the requests and fails them all.
type noNetwork struct{ requests atomic.Int32 }

var errNoNetwork = errors.New("no network in this test")

func (n *noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	n.requests.Add(1)
	return nil, errNoNetwork
}

// place is a temporary world: a repository root beside which there is no
// shared copy unless shared puts one there, and an empty download cache
// reached through a network that fails.
type place struct {
	root, cache string
	net         *noNetwork
	lo          *locator
}

func newPlace(t *testing.T) *place {
	t.Helper()
	top := t.TempDir()
	p := &place{root: filepath.Join(top, "repo"), cache: filepath.Join(top, "cache"), net: &noNetwork{}}
	if err := os.MkdirAll(p.root, 0o755); err != nil {
		t.Fatal(err)
	}
	p.lo = p.locator(cifar.CIFAR10())
	return p
}

// locator returns a fresh locator of layout l in this place (nothing
// remembered of earlier downloads).
func (p *place) locator(l cifar.Layout) *locator {
	return &locator{
		root:   func() (string, error) { return p.root, nil },
		layout: l,
		opt:    cifar.Options{CacheDir: p.cache, Client: &http.Client{Transport: p.net}, Progress: io.Discard},
	}
}

func (p *place) sharedDir(s dataset) string {
	return filepath.Join(p.root, "..", "shared", "data", s.shared)
}

// touch creates dir/probe (a file or, when dir says so, a directory).
func touch(t *testing.T, dir, probe string, isDir bool) {
	t.Helper()
	name := filepath.Join(dir, probe)
	if isDir {
		if err := os.MkdirAll(name, 0o755); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func cifarOf(lo *locator) func(testing.TB) string  { return lo.cifar10 }
func neuralOf(lo *locator) func(testing.TB) string { return lo.neural }

// unset clears the variables the rule reads.
func unset(t *testing.T) {
	t.Setenv("CIFAR10_DIR", "")
	t.Setenv("BRAINREG_NEURAL_DIR", "")
	t.Setenv("CI", "")
}

// A variable pointing at a directory without the data fails, naming the
// variable, the directory and the file looked for, with CI or without,
// even when a shared copy and a cached copy are there.
func TestEnvSetButMissingFails(t *testing.T) {
	for _, ciValue := range []string{"", "true"} {
		unset(t)
		t.Setenv("CI", ciValue)
		p := newPlace(t)
		cs := cifarSet(p.lo.layout)
		touch(t, p.sharedDir(cs), cs.probe, false)
		touch(t, p.sharedDir(neuralSets), neuralSets.probe, true)
		touch(t, filepath.Join(p.cache, cs.shared), cs.probe, false)
		empty := t.TempDir()
		t.Setenv("CIFAR10_DIR", empty)
		t.Setenv("BRAINREG_NEURAL_DIR", empty)
		for _, c := range []struct {
			fn    func(testing.TB) string
			env   string
			probe string
		}{{cifarOf(p.lo), "CIFAR10_DIR", "data_batch_1.bin"}, {neuralOf(p.lo), "BRAINREG_NEURAL_DIR", "antolik2016"}} {
			_, r := call(t, c.fn)
			what := fmt.Sprintf("$%s empty, CI=%q", c.env, ciValue)
			if r.outcome != "failed" {
				t.Errorf("%s: %q (%s), want a failure", what, r.outcome, r.msg)
			}
			hasAll(t, what, r.msg, "$"+c.env, empty, c.probe)
		}
		if n := p.net.requests.Load(); n != 0 {
			t.Errorf("CI=%q: %d download requests, want none", ciValue, n)
		}
	}
}

// A variable naming a directory laid out like the data is returned, before
// the shared copy.
func TestEnvWins(t *testing.T) {
	unset(t)
	p := newPlace(t)
	cs := cifarSet(p.lo.layout)
	touch(t, p.sharedDir(cs), cs.probe, false)
	touch(t, p.sharedDir(neuralSets), neuralSets.probe, true)
	dir := t.TempDir()
	touch(t, dir, cs.probe, false)
	touch(t, dir, neuralSets.probe, true)
	t.Setenv("CIFAR10_DIR", dir)
	t.Setenv("BRAINREG_NEURAL_DIR", dir)
	for name, fn := range map[string]func(testing.TB) string{"CIFAR-10": cifarOf(p.lo), "neural": neuralOf(p.lo)} {
		if got, r := call(t, fn); got != dir || r.outcome != "" {
			t.Errorf("%s: got %q, %s %q; want %s", name, got, r.outcome, r.msg, dir)
		}
	}
}

// Without the variables the shared copy beside the repository root is
// taken, CI or not.
func TestSharedCopy(t *testing.T) {
	for _, ciValue := range []string{"", "true"} {
		unset(t)
		t.Setenv("CI", ciValue)
		p := newPlace(t)
		for _, c := range []struct {
			s  dataset
			fn func(testing.TB) string
		}{{cifarSet(p.lo.layout), cifarOf(p.lo)}, {neuralSets, neuralOf(p.lo)}} {
			want := p.sharedDir(c.s)
			touch(t, want, c.s.probe, c.s.probe != "data_batch_1.bin")
			if got, r := call(t, c.fn); got != want || r.outcome != "" {
				t.Errorf("%s, CI=%q: got %q, %s %q; want %s", c.s.what, ciValue, got, r.outcome, r.msg, want)
			}
		}
		if n := p.net.requests.Load(); n != 0 {
			t.Errorf("%d download requests, want none", n)
		}
	}
}

// With CI=true and neither a variable nor a shared copy, both fail (as
// they always did), naming the variable and the shared place; CIFAR-10 is
// not taken from the cache, even when a copy is there, nor downloaded.
func TestNothingFoundUnderCIFails(t *testing.T) {
	for _, ciValue := range []string{"true", "1"} {
		unset(t)
		t.Setenv("CI", ciValue)
		p := newPlace(t)
		cs := cifarSet(p.lo.layout)
		touch(t, filepath.Join(p.cache, cs.shared), cs.probe, false)
		for _, c := range []struct {
			s  dataset
			fn func(testing.TB) string
		}{{cs, cifarOf(p.lo)}, {neuralSets, neuralOf(p.lo)}} {
			_, r := call(t, c.fn)
			what := fmt.Sprintf("%s, CI=%s", c.s.what, ciValue)
			if r.outcome != "failed" {
				t.Errorf("%s: %q (%s), want a failure", what, r.outcome, r.msg)
			}
			hasAll(t, what, r.msg, c.s.env, p.sharedDir(c.s), c.s.probe, "CI="+ciValue)
		}
		if n := p.net.requests.Load(); n != 0 {
			t.Errorf("%d download requests, want none", n)
		}
	}
}

// Outside CI, with neither a variable nor a shared copy, the neural tests
// are skipped with a message that says which variable to set to what.
func TestNeuralSkipsOutsideCI(t *testing.T) {
	for _, ciValue := range []string{"", "false", "0"} {
		unset(t)
		t.Setenv("CI", ciValue)
		p := newPlace(t)
		_, r := call(t, neuralOf(p.lo))
		what := fmt.Sprintf("CI=%q", ciValue)
		if r.outcome != "skipped" {
			t.Errorf("%s: %q (%s), want a skip", what, r.outcome, r.msg)
		}
		hasAll(t, what, r.msg, "set BRAINREG_NEURAL_DIR to the directory holding antolik2016/ and allen2016/", p.sharedDir(neuralSets))
	}
}

// Outside CI, with neither a variable nor a shared copy, CIFAR-10 comes
// from the download cache when a copy is there, without a request, and the
// test's log says so.
func TestCIFARFromCache(t *testing.T) {
	unset(t)
	p := newPlace(t)
	want := filepath.Join(p.cache, "cifar-10-batches-bin")
	touch(t, want, "data_batch_1.bin", false)
	for i := range 2 {
		got, r := call(t, cifarOf(p.lo))
		if got != want || r.outcome != "" {
			t.Fatalf("call %d: got %q, %s %q; want %s", i, got, r.outcome, r.msg, want)
		}
		if len(r.logs) != 1 {
			t.Fatalf("call %d: logs %q, want one line", i, r.logs)
		}
		hasAll(t, "log", r.logs[0], "download cache", want, "CIFAR10_DIR not set", "found there")
	}
	if n := p.net.requests.Load(); n != 0 {
		t.Errorf("%d download requests, want none", n)
	}
}

// Outside CI, with no copy anywhere and a failing download, CIFAR-10 fails
// naming CIFAR10_DIR, the cache and the download's error; the download is
// tried once a test binary (a locator), not by every test.
func TestCIFARDownloadFails(t *testing.T) {
	unset(t)
	p := newPlace(t)
	for i := range 2 {
		_, r := call(t, cifarOf(p.lo))
		what := fmt.Sprintf("call %d", i)
		if r.outcome != "failed" {
			t.Errorf("%s: %q (%s), want a failure", what, r.outcome, r.msg)
		}
		hasAll(t, what, r.msg, "set CIFAR10_DIR to a cifar-10-batches-bin directory", filepath.Join(p.cache, "cifar-10-batches-bin"),
			errNoNetwork.Error(), cifar.CIFAR10().URL, p.sharedDir(cifarSet(p.lo.layout)))
	}
	if n := p.net.requests.Load(); n != 1 {
		t.Errorf("%d download requests, want 1", n)
	}
}

// Outside CI, with no copy anywhere, CIFAR-10 is downloaded into the cache
// by cifar.Download (a tiny archive of the official layout, served here,
// with its own MD5s) and found there afterwards; a corrupt archive is not
// accepted.
func TestCIFARDownloadsIntoCache(t *testing.T) {
	unset(t)
	l, archive := tinyArchive(t)
	corrupt := bytes.Clone(archive)
	corrupt[len(corrupt)/2] ^= 0x40
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hits.Add(1)
		if strings.HasPrefix(req.URL.Path, "/corrupt/") {
			w.Write(corrupt)
			return
		}
		w.Write(archive)
	}))
	defer srv.Close()
	l.URL = srv.URL + "/cifar-10-binary.tar.gz"

	p := newPlace(t)
	lo := p.locator(l)
	lo.opt.Client = srv.Client()
	want := filepath.Join(p.cache, "cifar-10-batches-bin")
	got, r := call(t, lo.cifar10)
	if got != want || r.outcome != "" {
		t.Fatalf("got %q, %s %q; want %s", got, r.outcome, r.msg, want)
	}
	if err := cifar.Verify(l, got); err != nil {
		t.Errorf("downloaded copy: %v", err)
	}
	if len(r.logs) != 2 {
		t.Fatalf("logs %q, want two lines", r.logs)
	}
	hasAll(t, "log", r.logs[0], "downloading", p.cache, "MD5")
	hasAll(t, "log", r.logs[1], "download cache", want, "downloaded there in this test binary")
	// A new test binary (a fresh locator) finds it without a request.
	if got, r := call(t, p.locator(l).cifar10); got != want || r.outcome != "" {
		t.Errorf("second binary: got %q, %s %q", got, r.outcome, r.msg)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	// A corrupt archive is refused and nothing is left in the cache.
	bad := l
	bad.URL = srv.URL + "/corrupt/cifar-10-binary.tar.gz"
	q := newPlace(t)
	lo = q.locator(bad)
	lo.opt.Client = srv.Client()
	_, r = call(t, lo.cifar10)
	if r.outcome != "failed" {
		t.Fatalf("corrupt archive: %q (%s), want a failure", r.outcome, r.msg)
	}
	hasAll(t, "corrupt archive", r.msg, "CIFAR10_DIR", "checksum mismatch", q.cache)
	if _, err := os.Stat(filepath.Join(q.cache, "cifar-10-batches-bin")); err == nil {
		t.Errorf("a corrupt download was put in the cache")
	}
}

// tinyArchive returns CIFAR-10's layout at one record a file, with the MD5s
// of the files it writes, and a tar.gz laid out like the official archive.
func tinyArchive(t *testing.T) (cifar.Layout, []byte) {
	t.Helper()
	l := cifar.CIFAR10()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	k := 0
	set := func(files []cifar.FileSpec) []cifar.FileSpec {
		files = append([]cifar.FileSpec(nil), files...)
		for i := range files {
			data := make([]byte, l.RecordSize())
			data[0] = byte(k % l.Classes)
			for j := 1; j < len(data); j++ {
				data[j] = byte(j * (k + 1))
			}
			k++
			files[i].Records = 1
			sum := md5.Sum(data)
			files[i].MD5 = hex.EncodeToString(sum[:])
			if err := tw.WriteHeader(&tar.Header{Name: l.Dir + "/" + files[i].Name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write(data); err != nil {
				t.Fatal(err)
			}
		}
		return files
	}
	l.Train, l.Test = set(l.Train), set(l.Test)
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

// The package's own locator looks beside the real repository root: the
// shared copy when it is there; without it (and with CI=true, so that
// nothing is downloaded) the message names the place.
func TestDefaultIsBesideRepository(t *testing.T) {
	unset(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repoRoot %s has no go.mod", root)
	}
	for _, c := range []struct {
		s  dataset
		fn func(testing.TB) string
	}{{cifarSet(cifar.CIFAR10()), CIFAR10Dir}, {neuralSets, NeuralDir}} {
		want := filepath.Join(root, "..", "shared", "data", c.s.shared)
		if _, err := os.Stat(filepath.Join(want, c.s.probe)); err != nil {
			t.Setenv("CI", "true")
			_, r := call(t, c.fn)
			if r.outcome != "failed" {
				t.Errorf("%s: %q (%s), want a failure", c.s.what, r.outcome, r.msg)
			}
			hasAll(t, c.s.what, r.msg, want)
			continue
		}
		if got, r := call(t, c.fn); got != want || r.outcome != "" {
			t.Errorf("%s: got %q, %s %q; want %s", c.s.what, got, r.outcome, r.msg, want)
		}
	}
}
