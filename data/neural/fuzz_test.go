package neural

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadManifest: any manifest file either reads into a valid manifest
// or gives an error naming the file; it never panics.
func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"format": "brainreg-recordings/1", "scans": ["scan0"], "oracle_images": [0, 1]}`))
	f.Add([]byte(`{"format": "brainreg-recordings/1", "scans": [], "oracle_images": []}`))
	f.Add([]byte(`{"scans": ["a", "a"], "oracle_images": [-1]}`))
	f.Add([]byte(`{"unknown": 1}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, ManifestFile)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(p)
		if err != nil {
			return
		}
		if len(m.Scans) == 0 {
			t.Fatalf("accepted a manifest without scans: %q", data)
		}
		for _, i := range m.OracleImages {
			if i < 0 {
				t.Fatalf("accepted a negative oracle image index: %q", data)
			}
		}
	})
}
