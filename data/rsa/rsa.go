// Package rsa computes the neural similarity target of Li et al. (2019) and
// the statistics around it: neuron reliability from repeated images,
// prediction–response correlations, representational similarity matrices
// (through simd.Sgemm, using their symmetry), their off-diagonal
// correlation, the shuffled control, and the leave-one-out comparison of
// single-trial with repeat-averaged similarity on real recordings.
//
// Conventions: a response matrix is row-major images×neurons (one row per
// image, the population vector); a similarity matrix is images×images,
// row-major, float32. Statistics are accumulated in float64.
package rsa

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/brainreg/brainreg/data/npy"
	"github.com/brainreg/brainreg/simd"
)

// Reliability returns each neuron's reliability w_a = σ_a/η_a from repeated
// presentations. rep is repeats×images×neurons: rep[(r·images+i)·neurons+a]
// is neuron a's response on repeat r of image i. σ_a² is the variance across
// images of the repeat-mean response and η_a² the mean over images of the
// variance across repeats (both with the n−1 denominator). A neuron with
// η_a = 0 (it responds identically on every repeat, e.g. never) gets w_a = 0.
// sigma and eta are returned too.
func Reliability(rep []float32, repeats, images, neurons int) (w, sigma, eta []float64) {
	if repeats < 2 || images < 2 || neurons < 1 || len(rep) != repeats*images*neurons {
		panic(fmt.Sprintf("rsa.Reliability: %d values for %d repeats × %d images × %d neurons (need ≥2 repeats and images)", len(rep), repeats, images, neurons))
	}
	w, sigma, eta = make([]float64, neurons), make([]float64, neurons), make([]float64, neurons)
	means := make([]float64, images*neurons) // repeat mean of each image
	for r := range repeats {
		for i := range images {
			row := rep[(r*images+i)*neurons : (r*images+i+1)*neurons]
			for a, v := range row {
				means[i*neurons+a] += float64(v)
			}
		}
	}
	for i := range means {
		means[i] /= float64(repeats)
	}
	within := make([]float64, neurons)
	for r := range repeats {
		for i := range images {
			row := rep[(r*images+i)*neurons : (r*images+i+1)*neurons]
			for a, v := range row {
				d := float64(v) - means[i*neurons+a]
				within[a] += d * d
			}
		}
	}
	for a := range neurons {
		var mu, ss float64
		for i := range images {
			mu += means[i*neurons+a]
		}
		mu /= float64(images)
		for i := range images {
			d := means[i*neurons+a] - mu
			ss += d * d
		}
		sigma[a] = math.Sqrt(ss / float64(images-1))
		eta[a] = math.Sqrt(within[a] / float64(images*(repeats-1)))
		if eta[a] > 0 {
			w[a] = sigma[a] / eta[a]
		}
	}
	return w, sigma, eta
}

// Correlations returns, for every column of the rows×cols matrices x and y,
// the Pearson correlation of x's column with y's: v_a, the correlation of
// neuron a's predicted and observed responses. A constant column gives 0.
func Correlations(x, y []float32, rows, cols int) []float64 {
	if len(x) != rows*cols || len(y) != rows*cols {
		panic(fmt.Sprintf("rsa.Correlations: lengths %d and %d, want %d×%d", len(x), len(y), rows, cols))
	}
	out := make([]float64, cols)
	mx, my := colMeans(x, rows, cols), colMeans(y, rows, cols)
	sxy, sxx, syy := make([]float64, cols), make([]float64, cols), make([]float64, cols)
	for r := range rows {
		for c := range cols {
			dx, dy := float64(x[r*cols+c])-mx[c], float64(y[r*cols+c])-my[c]
			sxy[c] += dx * dy
			sxx[c] += dx * dx
			syy[c] += dy * dy
		}
	}
	for c := range cols {
		if sxx[c] > 0 && syy[c] > 0 {
			out[c] = sxy[c] / math.Sqrt(sxx[c]*syy[c])
		}
	}
	return out
}

func colMeans(x []float32, rows, cols int) []float64 {
	m := make([]float64, cols)
	for r := range rows {
		for c, v := range x[r*cols : (r+1)*cols] {
			m[c] += float64(v)
		}
	}
	for c := range m {
		m[c] /= float64(rows)
	}
	return m
}

// Normalize prepares a response matrix (images×neurons, changed in place)
// for the similarity: it centres each neuron (column) across images and then
// scales each image's population vector (row) to unit length, so that the
// dot product of two rows is their cosine similarity. A row that is zero
// after centring stays zero.
func Normalize(r []float32, images, neurons int) {
	if len(r) != images*neurons {
		panic(fmt.Sprintf("rsa.Normalize: %d values for %d images × %d neurons", len(r), images, neurons))
	}
	normalizeInto(r, r, images, neurons)
}

// meanBlock is how many rows are summed in float32 (with the SIMD kernels)
// before the partial sums are added into float64: the column means stay
// accurate to float64 rounding of float32 partial sums of 64 terms.
const meanBlock = 64

// normalizeInto writes the normalised r into dst (which may be r), on the
// vector kernels: for one paper-scale scan (5,000×8,000) it takes about
// 25 ms here, against about 180 ms for a plain float64 loop and a second or
// more for the product that follows.
func normalizeInto(dst, r []float32, images, neurons int) {
	negMean := negColumnMeans(r, images, neurons)
	for i := range images {
		normalizeRow(dst[i*neurons:(i+1)*neurons], r[i*neurons:(i+1)*neurons], negMean)
	}
}

// normalizeBF16Into is normalizeInto with each normalised row rounded to
// bfloat16 pairs (simd.ToBF16) into dst, row stride ldd words; row is
// scratch for one row of float32.
func normalizeBF16Into(dst []uint32, ldd int, r []float32, images, neurons int, row []float32) {
	negMean := negColumnMeans(r, images, neurons)
	for i := range images {
		normalizeRow(row, r[i*neurons:(i+1)*neurons], negMean)
		simd.ToBF16(1, neurons, row, neurons, dst[i*ldd:], ldd)
	}
}

// normalizeRow writes src + negMean, scaled to unit length, into dst.
func normalizeRow(dst, src, negMean []float32) {
	simd.Add(dst, src, negMean)
	if ss := simd.Dot(dst, dst); ss > 0 {
		simd.Scale(float32(1/math.Sqrt(float64(ss))), dst)
	}
}

// negColumnMeans returns minus the mean of each column of r (images×neurons),
// summed in float32 blocks of meanBlock rows and float64 across them.
func negColumnMeans(r []float32, images, neurons int) []float32 {
	sum := make([]float64, neurons)
	part := make([]float32, neurons)
	for i0 := 0; i0 < images; i0 += meanBlock {
		clear(part)
		for i := i0; i < min(i0+meanBlock, images); i++ {
			simd.Axpy(1, r[i*neurons:(i+1)*neurons], part)
		}
		for a, v := range part {
			sum[a] += float64(v)
		}
	}
	negMean := part
	for a := range negMean {
		negMean[a] = float32(-sum[a] / float64(images))
	}
	return negMean
}

// Similarity returns the images×images representational similarity matrix
// of a response matrix r (images×neurons, left unchanged): the cosine
// similarity of every two images' centred population vectors.
func Similarity(r []float32, images, neurons int) []float32 {
	acc := NewMean(images)
	acc.Add(r, neurons)
	return acc.Result()
}

// Blocking of the symmetric product S = R̃·R̃ᵀ (images×images): only the
// entries on and above the diagonal are computed, then mirrored. Rows are
// taken in panels of panelRows; for each, one wide Sgemm computes the block
// right of the diagonal (panelRows × the rest of the row, the bulk of the
// work, large enough for the GEMM to run at full speed) and the diagonal
// block is split recursively into two diagonal halves and one off-diagonal
// quarter, down to leafRows, where the full leaf×leaf block is computed
// (wasting half of it, which is little). Work: about images²·neurons
// multiply-adds ÷ 2, against images²·neurons for one plain Sgemm.
const (
	panelRows = 512
	leafRows  = 96
)

// Precision is the arithmetic of Mean's products R̃·R̃ᵀ.
type Precision int

const (
	// FP32: float32 operands and sums (simd.Sgemm). The default.
	FP32 Precision = iota
	// BF16: the normalised responses rounded to bfloat16 (8 significant
	// bits), products summed in float32 (simd.SgemmBF16NT): about twice as
	// fast where the CPU has AVX-512 BF16. The centring and normalisation
	// stay float32. An entry S_ij of one scan moves by at most 2⁻⁷ (each
	// response by at most 2⁻⁸ of itself), typically by about
	// 2⁻⁸·‖r̃ᵢ∘r̃ⱼ‖₂, which is about 2⁻⁸/√neurons when the weight is spread
	// over the neurons: at 5,000 images × 8,000 neurons, rms 2.7·10⁻⁵ and
	// at most 1.5·10⁻⁴ off the diagonal, 2.5·10⁻⁴ on it (README.md). Few
	// dominant neurons make it larger.
	BF16
)

// String is the precision's name as ParsePrecision reads it.
func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// ParsePrecision reads "fp32" or "bf16".
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "fp32":
		return FP32, nil
	case "bf16":
		return BF16, nil
	}
	return 0, fmt.Errorf("unknown similarity precision %q (want fp32 or bf16)", s)
}

// Mean accumulates the similarity matrices of several scans showing the
// same images and returns their mean. The workspace for the normalised
// responses is reused from scan to scan.
type Mean struct {
	n     int
	scans int
	prec  Precision
	s     []float32 // the upper triangle (j ≥ i) holds the running sum
	work  []float32 // FP32: the normalised responses; BF16: one row of them
	words []uint32  // BF16: the normalised responses as bf16 pairs
	ldw   int       // BF16: words per row of words
}

// NewMean starts a mean of images×images similarity matrices, in FP32.
func NewMean(images int) *Mean { return NewMeanPrecision(images, FP32) }

// NewMeanPrecision starts a mean of images×images similarity matrices whose
// products are computed in precision p.
func NewMeanPrecision(images int, p Precision) *Mean {
	if p != FP32 && p != BF16 {
		panic(fmt.Sprintf("rsa.NewMeanPrecision: unknown precision %v", p))
	}
	s := make([]float32, images*images)
	adviseHugePages(s)
	return &Mean{n: images, prec: p, s: s}
}

// Precision is the arithmetic of m's products.
func (m *Mean) Precision() Precision { return m.prec }

// Add adds the similarity matrix of one scan's responses r (images×neurons,
// left unchanged): S += R̃·R̃ᵀ with R̃ the normalised responses (see
// Normalize), computed on and above the diagonal only.
func (m *Mean) Add(r []float32, neurons int) {
	n := m.n
	if len(r) != n*neurons {
		panic(fmt.Sprintf("rsa.Mean.Add: %d values, want %d images × %d neurons", len(r), n, neurons))
	}
	if m.prec == BF16 {
		m.ldw = simd.BF16Words(neurons)
		m.work = grow(m.work, neurons)
		m.words = grow(m.words, n*m.ldw)
		normalizeBF16Into(m.words, m.ldw, r, n, neurons, m.work)
	} else {
		m.work = grow(m.work, len(r))
		normalizeInto(m.work, r, n, neurons)
	}
	for i0 := 0; i0 < n; i0 += panelRows {
		mi := min(panelRows, n-i0)
		m.addDiagonal(i0, mi, neurons)
		if rest := n - i0 - mi; rest > 0 {
			m.addBlock(i0, i0+mi, mi, rest, neurons)
		}
	}
	m.scans++
}

// grow returns x resliced to length n, reallocated if its capacity is short.
func grow[T any](x []T, n int) []T {
	if cap(x) < n {
		x = make([]T, n)
		adviseHugePages(x)
	}
	return x[:n]
}

// addBlock adds R̃[i0:i0+mi]·R̃[j0:j0+mj]ᵀ to the block of S at (i0, j0).
func (m *Mean) addBlock(i0, j0, mi, mj, neurons int) {
	n := m.n
	if m.prec == BF16 {
		w, ld := m.words, m.ldw
		simd.SgemmBF16NT(mi, mj, neurons, w[i0*ld:], ld, w[j0*ld:], ld, m.s[i0*n+j0:], n)
		return
	}
	w := m.work
	simd.Sgemm(false, true, mi, mj, neurons, 1, w[i0*neurons:], neurons,
		w[j0*neurons:], neurons, 1, m.s[i0*n+j0:], n)
}

// addDiagonal adds the upper triangle of the diagonal block at (i0, i0) of
// size mi: two diagonal halves recursively and the quarter between them.
func (m *Mean) addDiagonal(i0, mi, neurons int) {
	if mi <= leafRows {
		m.addBlock(i0, i0, mi, mi, neurons)
		return
	}
	h := (mi/2 + 15) / 16 * 16 // a multiple of the micro-kernel widths
	m.addDiagonal(i0, h, neurons)
	m.addDiagonal(i0+h, mi-h, neurons)
	m.addBlock(i0, i0+h, h, mi-h, neurons)
}

// Result returns the mean similarity matrix over the scans added (a new
// slice is not made: the accumulator's own storage is returned and the
// accumulator must not be used afterwards).
func (m *Mean) Result() []float32 {
	n := m.n
	if m.scans == 0 {
		panic("rsa.Mean.Result: no scans added")
	}
	if scale := 1 / float32(m.scans); scale != 1 {
		for i := range n {
			simd.Scale(scale, m.s[i*n+i:(i+1)*n])
		}
	}
	// Below the diagonal: the mirror, in square tiles so that the rows read
	// stay in cache (for 5,000 images about 35 ms against 50 ms for a
	// column walk).
	const tile = 64
	for i0 := 0; i0 < n; i0 += tile {
		for j0 := 0; j0 <= i0; j0 += tile {
			for i := i0; i < min(i0+tile, n); i++ {
				row := m.s[i*n : i*n+min(j0+tile, i)]
				for j := j0; j < len(row); j++ {
					row[j] = m.s[j*n+i]
				}
			}
		}
	}
	return m.s
}

// OffDiagonalR is the Pearson correlation of two n×n symmetric similarity
// matrices over their off-diagonal pairs i < j.
func OffDiagonalR(a, b []float32, n int) float64 {
	if len(a) != n*n || len(b) != n*n {
		panic(fmt.Sprintf("rsa.OffDiagonalR: lengths %d and %d, want %d×%d", len(a), len(b), n, n))
	}
	var sa, sb, saa, sbb, sab float64
	for i := range n {
		for j := i + 1; j < n; j++ {
			x, y := float64(a[i*n+j]), float64(b[i*n+j])
			sa += x
			sb += y
			saa += x * x
			sbb += y * y
			sab += x * y
		}
	}
	m := float64(n * (n - 1) / 2)
	cov := sab - sa*sb/m
	va, vb := saa-sa*sa/m, sbb-sb*sb/m
	if va <= 0 || vb <= 0 {
		return 0
	}
	return cov / math.Sqrt(va*vb)
}

// Shuffle returns the shuffled control of a similarity matrix: the same
// matrix with image identities permuted, out[i][j] = s[perm[i]][perm[j]], so
// the value distribution is kept and the relation to the images lost. The
// permutation comes from seed and is returned so it can be saved.
func Shuffle(s []float32, n int, seed uint64) (out []float32, perm []int) {
	if len(s) != n*n {
		panic(fmt.Sprintf("rsa.Shuffle: %d values for %d×%d", len(s), n, n))
	}
	perm = rand.New(rand.NewPCG(seed, 0x5eed5eed)).Perm(n)
	return Permute(s, n, perm), perm
}

// ShuffleSeeds is Shuffle with the permutation drawn from two seeds: the
// shuffled control of one classifier, seed the target's (simulation) seed
// and stream the classifier's training seed, so that every training seed
// is regularised towards its own permutation and the control's spread over
// seeds includes the permutation's. Different (seed, stream) pairs seed
// different generator states; one coincides with Shuffle's only for
// stream = 0x5eed5eed ^ permStream, which no training seed is.
func ShuffleSeeds(s []float32, n int, seed, stream uint64) (out []float32, perm []int) {
	if len(s) != n*n {
		panic(fmt.Sprintf("rsa.ShuffleSeeds: %d values for %d×%d", len(s), n, n))
	}
	perm = rand.New(rand.NewPCG(seed, stream^permStream)).Perm(n)
	return Permute(s, n, perm), perm
}

// permStream separates ShuffleSeeds' generator states from Shuffle's
// ("permseed").
const permStream = 0x7065726d73656564

// Permute returns the n×n matrix s with rows and columns permuted by perm
// (a permutation of 0…n−1): out[i][j] = s[perm[i]][perm[j]].
func Permute(s []float32, n int, perm []int) []float32 {
	if len(s) != n*n || len(perm) != n {
		panic(fmt.Sprintf("rsa.Permute: %d values and a permutation of %d for %d×%d", len(s), len(perm), n, n))
	}
	out := make([]float32, n*n)
	for i, pi := range perm {
		row := s[pi*n : (pi+1)*n]
		dst := out[i*n : (i+1)*n]
		for j, pj := range perm {
			dst[j] = row[pj]
		}
	}
	return out
}

// File names WriteTarget uses.
const (
	TargetFile = "target.npy"
	PermFile   = "perm.npy"
)

// WriteTarget writes a similarity matrix as dir/target.npy (float32, n×n)
// and, when perm is not nil, the permutation that made it (the shuffled
// control) as dir/perm.npy (int64), each atomically.
func WriteTarget(dir string, s []float32, n int, perm []int) error {
	if err := npy.WriteFile(filepath.Join(dir, TargetFile), []int{n, n}, s); err != nil {
		return err
	}
	if perm != nil {
		return npy.WriteFile(filepath.Join(dir, PermFile), []int{len(perm)}, perm)
	}
	return nil
}

// Weighted returns the response used for the target, r̂_ia = w_a·v_a·ρ̂_ia,
// from predictions pred (images×neurons), reliabilities w and prediction
// correlations v. (The sign of w_a·v_a does not matter for the similarity:
// a neuron enters S through the square of its scale.)
func Weighted(pred []float32, images, neurons int, w, v []float64) []float32 {
	if len(pred) != images*neurons || len(w) != neurons || len(v) != neurons {
		panic(fmt.Sprintf("rsa.Weighted: pred %d, w %d, v %d for %d images × %d neurons", len(pred), len(w), len(v), images, neurons))
	}
	out := make([]float32, len(pred))
	for i := range images {
		for a := range neurons {
			out[i*neurons+a] = float32(w[a] * v[a] * float64(pred[i*neurons+a]))
		}
	}
	return out
}

// Target is the similarity target of one scan built from predictions:
// Similarity(Weighted(pred, w, v)).
func Target(pred []float32, images, neurons int, w, v []float64) []float32 {
	return Similarity(Weighted(pred, images, neurons, w, v), images, neurons)
}

// LeaveOneOut compares single-trial similarity with repeat-averaged
// similarity without comparing any trial with itself. rep is repeats×
// images×neurons. For every repeat k it correlates (off-diagonal Pearson r)
// the similarity of repeat k's responses with the similarity of the mean of
// the other repeats, and returns the r of each repeat.
func LeaveOneOut(rep []float32, repeats, images, neurons int) []float64 {
	if repeats < 2 || len(rep) != repeats*images*neurons {
		panic(fmt.Sprintf("rsa.LeaveOneOut: %d values for %d repeats × %d images × %d neurons", len(rep), repeats, images, neurons))
	}
	size := images * neurons
	total := make([]float64, size)
	for r := range repeats {
		for i, v := range rep[r*size : (r+1)*size] {
			total[i] += float64(v)
		}
	}
	out := make([]float64, repeats)
	rest := make([]float32, size)
	for k := range repeats {
		single := rep[k*size : (k+1)*size]
		for i := range rest {
			rest[i] = float32((total[i] - float64(single[i])) / float64(repeats-1))
		}
		out[k] = OffDiagonalR(Similarity(single, images, neurons), Similarity(rest, images, neurons), images)
	}
	return out
}
