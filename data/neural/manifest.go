package neural

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/brainreg/brainreg/data/npy"
)

// ManifestFile is the manifest's name inside a data set directory.
const ManifestFile = "manifest.json"

// FormatVersion is the value of a manifest's "format" field.
const FormatVersion = "brainreg-neural-1"

// Manifest describes a data set: which scans it has and which images were
// shown repeatedly. Example:
//
//	{
//	  "format": "brainreg-neural-1",
//	  "description": "simulated mouse V1, preset tiny, seed 1",
//	  "scans": ["scan0", "scan1"],
//	  "oracle_images": [100, 101, 102]
//	}
//
// scans are directory names relative to the manifest's directory;
// oracle_images index into every scan's images.npy (all scans of a data set
// show the same images, so their similarity matrices can be averaged).
type Manifest struct {
	Format       string   `json:"format"`
	Description  string   `json:"description,omitempty"`
	Scans        []string `json:"scans"`
	OracleImages []int    `json:"oracle_images"`
}

// Dataset is a manifest with its scans read.
type Dataset struct {
	Dir      string // the directory holding manifest.json
	Manifest Manifest
	Scans    []*Scan
}

// ReadManifest reads and checks the manifest at path.
func ReadManifest(path string) (*Manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w (known fields: format, description, scans, oracle_images)", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: data after the JSON object", path)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

func (m *Manifest) check() error {
	if m.Format != FormatVersion {
		return fmt.Errorf("format %q, want %q", m.Format, FormatVersion)
	}
	if len(m.Scans) == 0 {
		return fmt.Errorf("no scans listed")
	}
	seen := map[string]bool{}
	for _, s := range m.Scans {
		if s == "" || filepath.IsAbs(s) || strings.Contains(filepath.ToSlash(s), "..") {
			return fmt.Errorf("scan %q: want a directory name relative to the manifest", s)
		}
		if seen[s] {
			return fmt.Errorf("scan %q listed twice", s)
		}
		seen[s] = true
	}
	img := map[int]bool{}
	for _, i := range m.OracleImages {
		if i < 0 {
			return fmt.Errorf("oracle image %d is negative", i)
		}
		if img[i] {
			return fmt.Errorf("oracle image %d listed twice", i)
		}
		img[i] = true
	}
	return nil
}

// WriteManifest checks m and writes it to path atomically.
func WriteManifest(path string, m *Manifest) error {
	if err := m.check(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return npy.AtomicWrite(path, func(w io.Writer) error {
		_, err := w.Write(append(raw, '\n'))
		return err
	})
}

// Load reads the manifest at path and every scan it names, and checks that
// the oracle images exist in every scan and were shown at least twice.
func Load(path string) (*Dataset, error) {
	m, err := ReadManifest(path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Dir: filepath.Dir(path), Manifest: *m}
	for _, name := range m.Scans {
		s, err := ReadScan(filepath.Join(d.Dir, name))
		if err != nil {
			return nil, err
		}
		trials := s.ImageTrials()
		for _, i := range m.OracleImages {
			if i >= s.NumImages {
				return nil, fmt.Errorf("%s: oracle image %d out of range [0, %d) of %s", path, i, s.NumImages, filepath.Join(d.Dir, name, ImagesFile))
			}
			if len(trials[i]) < 2 {
				return nil, fmt.Errorf("%s: oracle image %d was shown %d times in scan %s, want at least 2", path, i, len(trials[i]), name)
			}
		}
		if len(d.Scans) > 0 {
			f := d.Scans[0]
			if s.NumImages != f.NumImages || s.Height != f.Height || s.Width != f.Width {
				return nil, fmt.Errorf("%s: scan %s has images (%d, %d, %d), scan %s (%d, %d, %d); all scans must show the same images",
					path, name, s.NumImages, s.Height, s.Width, f.Name, f.NumImages, f.Height, f.Width)
			}
		}
		d.Scans = append(d.Scans, s)
	}
	return d, nil
}

// Write writes the data set: every scan into its directory under dir and
// then the manifest (last, so a data set with a manifest is complete).
func Write(dir string, m *Manifest, scans []*Scan) error {
	if len(scans) != len(m.Scans) {
		return fmt.Errorf("neural.Write: %d scans for %d names in the manifest", len(scans), len(m.Scans))
	}
	for i, s := range scans {
		if err := WriteScan(filepath.Join(dir, m.Scans[i]), s); err != nil {
			return err
		}
	}
	return WriteManifest(filepath.Join(dir, ManifestFile), m)
}

// SingleImages lists the images shown that are not oracle images, in index
// order: the images the similarity target is computed on.
func (d *Dataset) SingleImages() []int {
	oracle := map[int]bool{}
	for _, i := range d.Manifest.OracleImages {
		oracle[i] = true
	}
	var out []int
	for i := range d.Scans[0].NumImages {
		if !oracle[i] {
			out = append(out, i)
		}
	}
	return out
}
