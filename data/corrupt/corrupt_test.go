package corrupt

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// referenceOrder is make_cifar_c.py's list of the 15 benchmark corruptions.
var referenceOrder = []string{
	"gaussian_noise", "shot_noise", "impulse_noise",
	"defocus_blur", "glass_blur", "motion_blur", "zoom_blur",
	"snow", "frost", "fog", "brightness",
	"contrast", "elastic_transform", "pixelate", "jpeg_compression",
}

// random are the corruptions that draw random numbers.
var random = map[string]bool{
	"gaussian_noise": true, "shot_noise": true, "impulse_noise": true,
	"glass_blur": true, "motion_blur": true, "snow": true, "frost": true,
	"fog": true, "elastic_transform": true,
}

func TestAll(t *testing.T) {
	cs := All()
	if got := Names(); !slices.Equal(got, referenceOrder) {
		t.Fatalf("Names() = %v, want %v", got, referenceOrder)
	}
	families := map[string]int{}
	for i, c := range cs {
		if c.Index != i {
			t.Errorf("%s: Index %d at position %d", c.Name, c.Index, i)
		}
		families[c.Family]++
	}
	want := map[string]int{Noise: 3, Blur: 4, Weather: 4, Digital: 4}
	for f, n := range want {
		if families[f] != n {
			t.Errorf("family %s has %d corruptions, want %d", f, families[f], n)
		}
	}
	cs[0].Name = "changed"
	if All()[0].Name != "gaussian_noise" {
		t.Error("All returns the package's own slice")
	}
}

func TestByName(t *testing.T) {
	for _, name := range referenceOrder {
		c, err := ByName(name)
		if err != nil || c.Name != name {
			t.Errorf("ByName(%q) = %v, %v", name, c.Name, err)
		}
	}
	_, err := ByName("gaussian")
	if err == nil {
		t.Fatal("ByName(gaussian) succeeded")
	}
	for _, name := range referenceOrder {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %s", err, name)
		}
	}
	if !strings.Contains(err.Error(), `"gaussian"`) {
		t.Errorf("error %q does not name the unknown corruption", err)
	}
	_, err = ByName("saturate")
	if err == nil || !strings.Contains(err.Error(), "saturation") {
		t.Errorf("ByName(saturate) error %v, want one explaining it is colour-only", err)
	}
}

func TestErrors(t *testing.T) {
	c := mustByName(t, "contrast")
	img := testImages()["smooth"]
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"severity 0", second(c.Apply(img, 0, 0)), "severity 0 out of range 1…5"},
		{"severity 6", second(c.Apply(img, 6, 0)), "severity 6 out of range"},
		{"short image", second(c.Apply(img[:1000], 1, 0)), "image has 1000 pixels, want 32×32 = 1024"},
		{"zero Corruption", second(Corruption{}.Apply(img, 1, 0)), "zero Corruption"},
		{"float severity", second(c.ApplyFloat(make([]float32, Size), 7, 0)), "severity 7"},
		{"float size", second(c.ApplyFloat(make([]float32, 3), 1, 0)), "image has 3 pixels"},
		{"NaN", second(c.ApplyFloat(append([]float32{float32(math.NaN())}, make([]float32, Size-1)...), 1, 0)), "pixel 0 is NaN"},
		{"batch size", second(c.ApplyBatch(make([]uint8, Size+1), 1, 0)), "1025 bytes, not a multiple of 32×32"},
		{"batch severity", second(c.ApplyBatch(make([]uint8, Size), -1, 0)), "severity -1"},
	}
	for _, k := range cases {
		if k.err == nil {
			t.Errorf("%s: no error", k.name)
			continue
		}
		if !strings.Contains(k.err.Error(), k.want) {
			t.Errorf("%s: error %q, want it to say %q", k.name, k.err, k.want)
		}
		if k.name != "zero Corruption" && !strings.Contains(k.err.Error(), "contrast") {
			t.Errorf("%s: error %q does not name the corruption", k.name, k.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestDeterministic: each corruption at each severity on each test image gives a
// 32×32 result, the same for the same seed, leaves its input alone, and —
// for the random ones — varies with the seed; the others ignore it.
func TestDeterministic(t *testing.T) {
	ims := testImages()
	for _, c := range All() {
		for s := 1; s <= Severities; s++ {
			for name, img := range ims {
				clean := bytes.Clone(img)
				a, err := c.Apply(img, s, 11)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := c.Apply(img, s, 11)
				if len(a) != Size || !bytes.Equal(a, b) {
					t.Errorf("%s severity %d %s: not deterministic (len %d)", c.Name, s, name, len(a))
				}
				if !bytes.Equal(img, clean) {
					t.Fatalf("%s modified its input", c.Name)
				}
				distinct := map[string]bool{string(a): true}
				for seed := uint64(12); seed < 15; seed++ {
					o, _ := c.Apply(img, s, seed)
					distinct[string(o)] = true
				}
				switch {
				case random[c.Name] && len(distinct) < 2:
					t.Errorf("%s severity %d %s: four seeds give one image", c.Name, s, name)
				case !random[c.Name] && len(distinct) != 1:
					t.Errorf("%s severity %d %s: depends on the seed", c.Name, s, name)
				}
			}
		}
	}
}

// TestSeedsIndependent: one seed gives unrelated streams to different corruptions.
func TestSeedsIndependent(t *testing.T) {
	a, b := newSource(5, 0), newSource(5, 1)
	c := newSource(6, 0)
	same := 0
	for range 64 {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		if x == y || x == z {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d equal draws across streams", same)
	}
}

// meanChange is the mean absolute change of c at each severity over the
// images and seeds 0…seeds−1.
func meanChange(t *testing.T, c Corruption, ims map[string][]uint8, seeds uint64) [Severities]float64 {
	t.Helper()
	var m [Severities]float64
	for s := 1; s <= Severities; s++ {
		n := 0
		for _, img := range ims {
			for seed := range seeds {
				o, err := c.Apply(img, s, seed)
				if err != nil {
					t.Fatal(err)
				}
				m[s-1] += meanAbsChange(img, o)
				n++
			}
		}
		m[s-1] /= float64(n)
	}
	return m
}

// TestSeverityOrder: the mean absolute change from the clean image, averaged
// over the test images and 6 seeds, does not fall from one severity to the
// next, for every corruption but the three whose reference parameters do not
// imply it (frost, elastic_transform, pixelate: see TestSeverityFrost and the
// others). motion_blur's severities 3 and 4 are equal (the same kernel).
func TestSeverityOrder(t *testing.T) {
	ims := testImages()
	for _, c := range All() {
		if c.Name == "frost" || c.Name == "elastic_transform" || c.Name == "pixelate" {
			continue
		}
		m := meanChange(t, c, ims, 6)
		t.Logf("%-18s %6.2f", c.Name, m)
		for s := 1; s < Severities; s++ {
			if m[s] < m[s-1]-0.005 {
				t.Errorf("%s: mean change %.3f at severity %d, %.3f at %d", c.Name, m[s], s+1, m[s-1], s)
			}
		}
		if m[0] <= 0 {
			t.Errorf("%s: severity 1 changes nothing", c.Name)
		}
	}
	c := mustByName(t, "motion_blur")
	for name, img := range ims {
		a, _ := c.Apply(img, 3, 9)
		b, _ := c.Apply(img, 4, 9)
		if !bytes.Equal(a, b) {
			t.Errorf("motion_blur %s: severities 3 and 4 differ at one angle", name)
		}
	}
}

// correlation is Pearson's r of two images.
func correlation(a, b []uint8) float64 {
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		x, y := float64(a[i])-ma, float64(b[i])-mb
		sab += x * y
		saa += x * x
		sbb += y * y
	}
	return sab / math.Sqrt(saa*sbb)
}

// TestSeverityFrost: the reference's frost lowers the image weight while it
// raises the frost weight, so the absolute change peaks at severity 3. It
// must in the reference too: from severity 3 to 4 only the image weight
// changes (0.9 → 0.85), which shrinks the change −0.1·x + 0.4·frost wherever
// 0.4·frost > 0.125·x, i.e. for any texture not much darker than the image.
// What grows is the frost's share: c₁/c₀ rises and the correlation with the
// clean image falls at every step, on every test image.
func TestSeverityFrost(t *testing.T) {
	ratio := 0.0
	for s, p := range frostParams {
		if r := p[1] / p[0]; r <= ratio {
			t.Errorf("severity %d: frost/image weight %.3f not above %.3f", s+1, r, ratio)
		} else {
			ratio = r
		}
	}
	c := mustByName(t, "frost")
	for name, img := range testImages() {
		prev := 1.0
		for s := 1; s <= Severities; s++ {
			r := 0.0
			for seed := range uint64(6) {
				o, _ := c.Apply(img, s, seed)
				r += correlation(img, o) / 6
			}
			if r >= prev {
				t.Errorf("frost %s: correlation %.4f at severity %d, %.4f before", name, r, s, prev)
			}
			prev = r
		}
	}
	m := meanChange(t, c, testImages(), 6)
	t.Logf("frost mean change %6.2f (peak at severity 3, as the weights imply)", m)
}

// TestSeverityElastic: the reference's affine range falls (2.56 … 0.96 pixels)
// while the elastic field grows; the affine dominates, so the change falls.
// What grows is the elastic part: the change from the same draws with α = 0
// (the affine alone) to the full transform.
func TestSeverityElastic(t *testing.T) {
	for s := 1; s < Severities; s++ {
		if elasticParams[s][2] >= elasticParams[s-1][2] {
			t.Errorf("affine range does not fall at severity %d", s+1)
		}
	}
	ims := testImages()
	var part [Severities]float64
	for s := 1; s <= Severities; s++ {
		p := elasticParams[s-1]
		affine := p
		affine[0] = 0
		for _, img := range ims {
			for seed := range uint64(6) {
				full := elastic(img, p, newSource(seed, 12))
				aff := elastic(img, affine, newSource(seed, 12))
				part[s-1] += meanAbsChange(aff, full) / float64(6*len(ims))
			}
		}
	}
	t.Logf("elastic part of the change %6.3f; whole change %6.2f", part, meanChange(t, mustByName(t, "elastic_transform"), ims, 6))
	if part[0] != 0 {
		t.Errorf("severity 1 has α = 0 but an elastic part %.3f", part[0])
	}
	for s := 1; s < Severities; s++ {
		if part[s] < part[s-1] {
			t.Errorf("elastic part %.3f at severity %d, %.3f at %d", part[s], s+1, part[s-1], s)
		}
	}
}

// TestSeverityPixelate: on smooth images (random, low-pass) the change grows;
// on periodic edges the reference's point-sampled box filter aliases, e.g. a
// 4-pixel checkerboard survives severity 4 (32→24→32) unchanged.
func TestSeverityPixelate(t *testing.T) {
	c := mustByName(t, "pixelate")
	smooth := map[string][]uint8{}
	r := rand.New(rand.NewPCG(3, 4))
	for k := range 8 {
		n := make([]float64, Size)
		for i := range n {
			n[i] = r.NormFloat64()
		}
		n = gaussianFilter(n, 1.5+0.25*float64(k), 4, reflect)
		img := make([]uint8, Size)
		for i, v := range n {
			img[i] = uint8(min(max(128+400*v, 0), 255))
		}
		smooth[string(rune('a'+k))] = img
	}
	m := meanChange(t, c, smooth, 1)
	t.Logf("pixelate on smooth images %6.3f", m)
	for s := 1; s < Severities; s++ {
		if m[s] < m[s-1] {
			t.Errorf("pixelate: change %.3f at severity %d, %.3f at %d", m[s], s+1, m[s-1], s)
		}
	}
	checker := testImages()["checker"]
	if o, _ := c.Apply(checker, 4, 0); !bytes.Equal(o, checker) {
		t.Error("the checkerboard is not restored at severity 4")
	}
}

// TestApplyFloat: the [0, 1] helper is Apply on the bytes, returned as byte/255.
func TestApplyFloat(t *testing.T) {
	img := testImages()["edges"]
	f := make([]float32, Size)
	for i, v := range img {
		f[i] = float32(v) / 255
	}
	f[0], f[1] = -0.5, 1.5 // clamped to 0 and 255
	b := bytes.Clone(img)
	b[0], b[1] = 0, 255
	for _, c := range All() {
		got, err := c.ApplyFloat(f, 3, 21)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := c.Apply(b, 3, 21)
		for i := range want {
			if got[i] != float32(want[i])/255 {
				t.Fatalf("%s: pixel %d %v, want %v/255", c.Name, i, got[i], want[i])
			}
		}
	}
}

// TestApplyBatch: image k of a batch is Apply(image k, severity, ImageSeed(seed, k)).
func TestApplyBatch(t *testing.T) {
	ims := testImages()
	batch := slices.Concat(ims["smooth"], ims["edges"], ims["disc"])
	seeds := map[uint64]bool{}
	for _, c := range All() {
		out, err := c.ApplyBatch(batch, 2, 99)
		if err != nil {
			t.Fatal(err)
		}
		for k := range 3 {
			want, _ := c.Apply(batch[k*Size:(k+1)*Size], 2, ImageSeed(99, k))
			if !bytes.Equal(out[k*Size:(k+1)*Size], want) {
				t.Errorf("%s: batch image %d differs from Apply", c.Name, k)
			}
		}
	}
	for s := range uint64(4) {
		for k := range 100 {
			seeds[ImageSeed(s, k)] = true
		}
	}
	if len(seeds) != 400 {
		t.Errorf("ImageSeed gives %d distinct seeds of 400", len(seeds))
	}
}

func TestSelect(t *testing.T) {
	all, err := Select(nil)
	if err != nil || len(all) != 15 {
		t.Fatalf("Select(nil): %d corruptions, %v", len(all), err)
	}
	cs, err := Select([]string{"fog", "gaussian_noise"})
	if err != nil || len(cs) != 2 || cs[0].Name != "fog" || cs[1].Name != "gaussian_noise" {
		t.Fatalf("Select(fog, gaussian_noise) = %v, %v", cs, err)
	}
	for msg, names := range map[string][]string{
		`"fog" listed twice`:           {"fog", "fog"},
		`unknown corruption "nothing"`: {"nothing"},
	} {
		if _, err := Select(names); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Select(%q) = %v, want an error with %s", names, err, msg)
		}
	}
}
