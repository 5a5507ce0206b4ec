//go:build !purego

package simd

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestAsmFeatures derives, from the text of every *_amd64.s file, the CPU
// features each TEXT routine's instructions need (macros expanded, BYTE
// encodings decoded) and checks that asmFeatures, the table the run-time
// gates are computed from, lists exactly those for the routine, and lists
// every routine there is and no other. An instruction the tables below do
// not know fails the test: add it, with the features of its forms, rather
// than let it pass unchecked.
func TestAsmFeatures(t *testing.T) {
	files, err := filepath.Glob("*_amd64.s")
	if err != nil || len(files) == 0 {
		t.Fatalf("no *_amd64.s files: %v", err)
	}
	seen := map[string]string{} // routine → file
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		routines, errs := asmNeeds(file, string(src))
		for _, e := range errs {
			t.Error(e)
		}
		for _, r := range routines {
			if f, dup := seen[r.name]; dup {
				t.Errorf("%s: routine %s is defined in %s too", file, r.name, f)
			}
			seen[r.name] = file
			gate, ok := asmFeatures[r.name]
			if !ok {
				t.Errorf("%s: routine %s is not in asmFeatures; add it with %s and gate its callers with supports(%q)",
					file, r.name, featureList(r.needs()), r.name)
				continue
			}
			want := r.needs()
			t.Logf("%s: %s", r.name, featureList(want))
			for _, f := range want {
				if !slices.Contains(gate, f) {
					t.Errorf("%s: %s needs %s (first at %s), which asmFeatures does not list for it",
						file, r.name, f, r.why[f])
				}
			}
			for _, f := range gate {
				if !slices.Contains(want, f) {
					t.Errorf("%s: asmFeatures lists %s for %s, which none of its instructions needs", file, f, r.name)
				}
			}
			if len(gate) != len(slices.Compact(slices.Sorted(slices.Values(gate)))) {
				t.Errorf("asmFeatures lists a feature of %s twice: %s", r.name, featureList(gate))
			}
		}
	}
	for name := range asmFeatures {
		if _, ok := seen[name]; !ok {
			t.Errorf("asmFeatures lists %s, which no *_amd64.s file defines", name)
		}
	}
	t.Logf("%d routines in %d files", len(seen), len(files))
}

// TestAsmFeaturesGated checks that every routine of asmFeatures is named in
// a supports call of the package's amd64 code, so that no routine has a
// table entry but a gate of its own.
func TestAsmFeaturesGated(t *testing.T) {
	files, err := filepath.Glob("*_amd64.go")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "supports" {
				return true
			}
			for _, arg := range call.Args {
				lit, ok := arg.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: supports takes routine names as string literals", fset.Position(arg.Pos()))
					continue
				}
				s, _ := strconv.Unquote(lit.Value)
				named[s] = true
			}
			return true
		})
		// The gates go through supports only.
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Supports" && file != "asmfeatures_amd64.go" {
				t.Errorf("%s: a gate asks cpuid directly; use supports and asmFeatures", fset.Position(sel.Pos()))
			}
			return true
		})
	}
	for name := range asmFeatures {
		if !named[name] {
			t.Errorf("asmFeatures lists %s, but no supports call names it", name)
		}
	}
}

// TestSelectionFollowsFeatures takes away, one at a time, each feature of
// the kernels the selection functions pick, and checks that they then pick
// another (issue 18: the 4×6 dot kernel ran on AVX512F alone). Where the CPU
// lacks a kernel's features the kernel is not picked in the first place.
func TestSelectionFollowsFeatures(t *testing.T) {
	defer restorePath(t)()
	if err := ForcePath("auto", "test"); err != nil { // the CPU's features alone decide here
		t.Fatal(err)
	}
	saved := cpuid.CPU
	defer func() { cpuid.CPU = saved }()
	for _, c := range []struct {
		what     string
		picked   func() bool
		routines []string
		without  cpuid.FeatureID // taken away throughout, for a kernel that is only the second choice
	}{
		{"Sgemm's avx512 kernel", func() bool { return selectKernel().name == "avx512" },
			[]string{"sgemmKernel12x32AVX512"}, cpuid.UNKNOWN},
		{"Sgemm's avx2-fma kernel", func() bool { return selectKernel().name == "avx2-fma" },
			[]string{"sgemmKernel6x16AVX2"}, cpuid.AVX512F},
		{"SgemmRows's kernel", func() bool { return selectRowsKernel().rows != nil },
			[]string{"sgemmKernel8x32AVX512", "sgemmKernel8x32RowsAVX512"}, cpuid.UNKNOWN},
		{"SgemmRowsDot's kernel", func() bool { return selectDotKernel().ok },
			[]string{"sdotKernel4x6AVX512"}, cpuid.UNKNOWN},
		{"SgemmBF16NT's kernel", func() bool { return selectBF16Kernel().name != goBF16Kernel.name },
			[]string{"sgemmBF16Kernel12x32AVX512"}, cpuid.UNKNOWN},
	} {
		base := saved
		if c.without != cpuid.UNKNOWN {
			base.Disable(c.without)
		}
		var fs []cpuid.FeatureID
		for _, r := range c.routines {
			fs = append(fs, asmFeatures[r]...)
		}
		cpuid.CPU = base
		if !base.Supports(fs...) {
			if c.picked() {
				t.Errorf("%s is picked on a CPU without %s", c.what, featureList(fs))
			}
			continue
		}
		if !c.picked() {
			t.Errorf("%s is not picked though the CPU has %s", c.what, featureList(fs))
		}
		for _, f := range fs {
			cpuid.CPU = base
			cpuid.CPU.Disable(f)
			if c.picked() {
				t.Errorf("%s is picked without %s", c.what, f)
			}
		}
	}
}

// TestAsmBF16Encodings checks the EVEX decoder of asmNeeds against the
// Intel-syntax comments gen_bf16_kernel.go writes before each BYTE-encoded
// instruction.
func TestAsmBF16Encodings(t *testing.T) {
	src, err := os.ReadFile("kernel_bf16_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`/\*\s*([a-z0-9]+)\s+([^*]*?)\s*\*/\s*((?:BYTE\s+\$0x[0-9a-fA-F]+\s*;?\s*)+)`)
	bytePat := regexp.MustCompile(`\$0x([0-9a-fA-F]+)`)
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		var b []byte
		for _, h := range bytePat.FindAllStringSubmatch(m[3], -1) {
			v, _ := strconv.ParseUint(h[1], 16, 8)
			b = append(b, byte(v))
		}
		ins, size, err := decodeEVEX(b)
		switch {
		case err != nil:
			t.Errorf("%s %s: %v", m[1], m[2], err)
		case size != len(b):
			t.Errorf("%s %s: %d bytes, of which the instruction takes %d", m[1], m[2], len(b), size)
		case ins.text() != strings.ToLower(m[1]+" "+m[2]):
			t.Errorf("comment says %q, bytes decode as %q", m[1]+" "+m[2], ins.text())
		}
		n++
	}
	if n == 0 {
		t.Error("no commented BYTE encodings in kernel_bf16_amd64.s")
	}
}

// TestAsmNeeds checks asmNeeds itself on small routines.
func TestAsmNeeds(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []cpuid.FeatureID // nil: an error
	}{
		{"MOVQ a+0(FP), AX\nRET", []cpuid.FeatureID{}},
		{"VADDPS Y1, Y0, Y0", []cpuid.FeatureID{cpuid.AVX}},
		{"VADDPS X1, X0, X0", []cpuid.FeatureID{cpuid.AVX}},
		{"VFMADD231PS Y1, Y0, Y0", []cpuid.FeatureID{cpuid.AVX, cpuid.FMA3}},
		{"VADDPS Z1, Z0, Z0", []cpuid.FeatureID{cpuid.AVX512F}},
		{"VADDPS Y24, Y0, Y0", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512VL}},
		{"VADDPS X1, X16, X16", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512VL}},
		{"VADDPS Y1, K1, Y0", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512VL}},
		{"VADDSS X24, X0, X0", []cpuid.FeatureID{cpuid.AVX512F}},
		{"VFMADD231PS.BCST (AX), Y1, Y0", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512VL}},
		{"VXORPS Z1, Z1, Z1", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512DQ}},
		{"VPXORD Y1, Y1, Y1", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512VL}},
		{"VPSLLD $31, X7, X7", []cpuid.FeatureID{cpuid.AVX}},
		{"VPSLLD $31, Y7, Y7", []cpuid.FeatureID{cpuid.AVX, cpuid.AVX2}},
		{"VBROADCASTSS (AX), Y0", []cpuid.FeatureID{cpuid.AVX}},
		{"VBROADCASTSS X1, Y0", []cpuid.FeatureID{cpuid.AVX, cpuid.AVX2}},
		{"VEXTRACTF64X4 $1, Z0, Y24", []cpuid.FeatureID{cpuid.AVX512F}},
		{"VEXTRACTF32X4 $1, Y0, X24", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512VL}},
		{"#define ADD3(a, b) VADDPS a, b, b; lbl: VMULPS a, b, b\nADD3(Z1, Z2)", []cpuid.FeatureID{cpuid.AVX512F}},
		{"#define ADD3(a, b) VADDPS a, b, b\nADD3(Y17, Y2)", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512VL}},
		{"#define Z VZEROUPPER\nZ", []cpuid.FeatureID{cpuid.AVX}},
		// vdpbf16ps zmm4, zmm0, zmm2, then ymm4, ymm0, ymm2.
		{"BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52; BYTE $0xe2", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512BF16}},
		{"BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x28; BYTE $0x52; BYTE $0xe2", []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512BF16, cpuid.AVX512VL}},
		{"BYTE $0xc5; BYTE $0xf8; BYTE $0x77", nil},                                     // a VEX encoding: not decoded
		{"BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x52", nil},             // cut short
		{"BYTE $0x62; BYTE $0xf1; BYTE $0x7c; BYTE $0x48; BYTE $0x58; BYTE $0xc1", nil}, // vaddps: not in evexOps
		{"KMOVQ K1, AX", nil},
		{"VPERM2F128 $0x20, Z1, Z0, Z2", nil},
		{"VPXORD X1, X1, X1\nWORD $0", nil},
		{"#ifdef GOAMD64_v3\nRET", nil},
	} {
		src := "TEXT ·f(SB), NOSPLIT, $0\n" + c.src
		rs, errs := asmNeeds("x.s", src)
		if c.want == nil {
			if len(errs) == 0 {
				t.Errorf("%q: no error", c.src)
			}
			continue
		}
		if len(errs) > 0 || len(rs) != 1 {
			t.Errorf("%q: %v", c.src, errs)
			continue
		}
		if got := rs[0].needs(); !slices.Equal(got, slices.Sorted(slices.Values(c.want))) {
			t.Errorf("%q needs %s, want %s", c.src, featureList(got), featureList(c.want))
		}
	}
}

// asmRoutine is one TEXT routine with the features its instructions need;
// why gives, for each, the first instruction that needs it.
type asmRoutine struct {
	name string
	why  map[cpuid.FeatureID]string
}

func (r *asmRoutine) needs() []cpuid.FeatureID {
	var fs []cpuid.FeatureID
	for f := range r.why {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return fs
}

func featureList(fs []cpuid.FeatureID) string {
	var s []string
	for _, f := range fs {
		s = append(s, "cpuid."+f.String())
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// baseInstr are the instructions of baseline amd64 (general-purpose, SSE,
// SSE2) that the files use: they need no feature.
var baseInstr = map[string]bool{
	"MOVQ": true, "LEAQ": true, "ADDQ": true, "SUBQ": true, "SHLQ": true, "SHRQ": true,
	"DECQ": true, "CMPQ": true, "TESTQ": true, "XORQ": true,
	"JMP": true, "JE": true, "JNE": true, "JZ": true, "JNZ": true, "JLT": true, "JLE": true, "JGE": true, "JPS": true,
	"RET": true,
	// SSE, SSE2.
	"MOVSS": true, "XORPS": true, "UCOMISS": true, "PREFETCHT0": true,
}

// A vecInstr describes a vector instruction by the forms it has. Every VEX
// form needs AVX (the encoding and the ymm state) and vex besides, vexY more
// on ymm; every EVEX form needs AVX512F and evex besides, and AVX512VL below
// 512 bits unless scalar (scalar or 128-bit-only instructions, whose EVEX
// form is AVX512F).
type vecInstr struct {
	noVEX, noEVEX bool
	vex, vexY     []cpuid.FeatureID
	evex          []cpuid.FeatureID
	scalar        bool
	vexRegSrc     []cpuid.FeatureID // more for a VEX form with a register source (VBROADCASTSS)
}

var (
	needFMA3 = []cpuid.FeatureID{cpuid.FMA3}
	needAVX2 = []cpuid.FeatureID{cpuid.AVX2}
	needDQ   = []cpuid.FeatureID{cpuid.AVX512DQ}
	needBF16 = []cpuid.FeatureID{cpuid.AVX512BF16}
)

// vecInstrs are the vector instructions the files use, by Go mnemonic
// (EVEX-only instructions encoded as BYTEs by their Intel one, see
// evexOps). Integer instructions are AVX on xmm and AVX2 on ymm.
var vecInstrs = map[string]vecInstr{
	"VZEROUPPER": {noEVEX: true},

	"VMOVUPS":   {},
	"VMOVSS":    {scalar: true},
	"VMOVHLPS":  {scalar: true},
	"VMOVSHDUP": {},
	"VMOVDQU32": {noVEX: true},

	"VBROADCASTSS": {vexRegSrc: needAVX2},
	"VPBROADCASTD": {vex: needAVX2},

	"VADDPS": {}, "VSUBPS": {}, "VMULPS": {}, "VMAXPS": {},
	"VADDSS": {scalar: true}, "VMAXSS": {scalar: true},
	"VFMADD231PS": {vex: needFMA3},
	"VFMADD213PS": {vex: needFMA3},
	"VCMPPS":      {},
	"VXORPS":      {evex: needDQ}, "VANDPS": {evex: needDQ},
	"VPXORD":   {noVEX: true},
	"VPCMPEQD": {vexY: needAVX2},
	"VPSLLD":   {vexY: needAVX2},

	"VSHUFPS": {}, "VUNPCKLPS": {}, "VUNPCKHPS": {}, "VPERMILPS": {},
	"VPERMPD":       {vex: needAVX2},
	"VPERM2F128":    {noEVEX: true},
	"VEXTRACTF128":  {noEVEX: true},
	"VEXTRACTF32X4": {noVEX: true},
	"VEXTRACTF64X4": {noVEX: true},

	// BYTE-encoded (decodeEVEX).
	"VDPBF16PS":      {noVEX: true, evex: needBF16},
	"VCVTNE2PS2BF16": {noVEX: true, evex: needBF16},
	"VCVTNEPS2BF16":  {noVEX: true, evex: needBF16},
}

// evexOps are the EVEX encodings decodeEVEX knows, by map (1 0F, 2 0F38, 3
// 0F3A), pp (0 none, 1 66, 2 F3, 3 F2), opcode and W.
var evexOps = map[[4]byte]string{
	{2, 2, 0x52, 0}: "VDPBF16PS",
	{2, 3, 0x72, 0}: "VCVTNE2PS2BF16",
	{2, 2, 0x72, 0}: "VCVTNEPS2BF16",
}

// evexInstr is a decoded register-only EVEX instruction.
type evexInstr struct {
	mnemonic      string
	bits          int // vector length
	reg, vvvv, rm int
}

func (e evexInstr) text() string {
	r := map[int]string{128: "xmm", 256: "ymm", 512: "zmm"}[e.bits]
	return fmt.Sprintf("%s %s%d, %s%d, %s%d", strings.ToLower(e.mnemonic), r, e.reg, r, e.vvvv, r, e.rm)
}

// decodeEVEX decodes the instruction at the start of b, which must be one
// of evexOps with register operands only, and returns its length.
func decodeEVEX(b []byte) (evexInstr, int, error) {
	if len(b) == 0 || b[0] != 0x62 {
		return evexInstr{}, 0, fmt.Errorf("BYTE encoding % x is not EVEX; teach decodeEVEX its prefix", b)
	}
	if len(b) < 6 {
		return evexInstr{}, 0, fmt.Errorf("EVEX encoding % x is cut short", b)
	}
	p0, p1, p2, opc, modrm := b[1], b[2], b[3], b[4], b[5]
	if p0&0x0c != 0 || p1&0x04 == 0 {
		return evexInstr{}, 0, fmt.Errorf("EVEX encoding % x has reserved bits set", b[:6])
	}
	key := [4]byte{p0 & 3, p1 & 3, opc, p1 >> 7}
	name, ok := evexOps[key]
	if !ok {
		return evexInstr{}, 0, fmt.Errorf("EVEX encoding % x (map %d, pp %d, opcode %#x, W%d) is not in evexOps; add it",
			b[:6], key[0], key[1], key[2], key[3])
	}
	if modrm>>6 != 3 {
		return evexInstr{}, 0, fmt.Errorf("%s % x has a memory operand, which decodeEVEX does not decode", name, b[:6])
	}
	ll := (p2 >> 5) & 3
	if ll == 3 || p2&0x10 != 0 {
		return evexInstr{}, 0, fmt.Errorf("%s % x sets rounding or a reserved length", name, b[:6])
	}
	inv := func(x byte, bit uint) int { return int(^x>>bit) & 1 }
	return evexInstr{
		mnemonic: name,
		bits:     128 << ll,
		reg:      int(modrm>>3&7) | inv(p0, 7)<<3 | inv(p0, 4)<<4,
		vvvv:     int(^p1>>3&15) | inv(p2, 3)<<4,
		rm:       int(modrm&7) | inv(p0, 5)<<3 | inv(p0, 6)<<4,
	}, 6, nil
}

var (
	vecReg   = regexp.MustCompile(`^([XYZ])([0-9]|[12][0-9]|3[01])$`)
	maskReg  = regexp.MustCompile(`^K[0-7]$`)
	ident    = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	labelPfx = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*:\s*`)
	textDecl = regexp.MustCompile(`^TEXT\s+(?:·|[^\s(]*\.)?([A-Za-z_][A-Za-z0-9_]*)(?:<>)?\(SB\)`)
	defineRe = regexp.MustCompile(`^#define\s+([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?\s*(.*)$`)
)

type asmMacro struct {
	params []string // nil for an object-like macro
	body   string
}

// asmNeeds parses one assembly file into its TEXT routines and what their
// instructions need.
func asmNeeds(file, src string) ([]*asmRoutine, []error) {
	var (
		errs     []error
		routines []*asmRoutine
		cur      *asmRoutine
		macros   = map[string]asmMacro{}
		pending  []byte // BYTE directives not yet decoded
		pendAt   string
	)
	fail := func(at, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", at, fmt.Sprintf(format, args...)))
	}
	need := func(at, text string, fs ...cpuid.FeatureID) {
		for _, f := range fs {
			if _, ok := cur.why[f]; !ok {
				cur.why[f] = at + ": " + strings.Join(strings.Fields(text), " ")
			}
		}
	}
	flush := func() {
		for len(pending) > 0 {
			ins, n, err := decodeEVEX(pending)
			if err != nil {
				fail(pendAt, "%v", err)
				break
			}
			need(pendAt, ins.text(), evexNeeds(vecInstrs[ins.mnemonic], ins.bits)...)
			pending = pending[n:]
		}
		pending = nil
	}

	var stmt func(at, s string, depth int)
	stmt = func(at, s string, depth int) {
		s = strings.TrimSpace(s)
		for {
			loc := labelPfx.FindStringIndex(s)
			if loc == nil {
				break
			}
			s = s[loc[1]:]
		}
		if s == "" {
			return
		}
		word := s
		if i := strings.IndexAny(s, " \t("); i >= 0 {
			word = s[:i]
		}
		if m, ok := macros[word]; ok {
			if depth > 10 {
				fail(at, "macros nest too deep")
				return
			}
			body := m.body
			if m.params != nil {
				args, ok := macroArgs(s[len(word):])
				if !ok || len(args) != len(m.params) {
					fail(at, "cannot read the arguments of %s in %q", word, s)
					return
				}
				body = ident.ReplaceAllStringFunc(body, func(id string) string {
					if i := slices.Index(m.params, id); i >= 0 {
						return args[i]
					}
					return id
				})
			}
			for _, part := range strings.Split(body, ";") {
				stmt(at+" (in "+word+")", part, depth+1)
			}
			return
		}
		if m := textDecl.FindStringSubmatch(s); m != nil {
			if cur != nil {
				flush()
			}
			cur = &asmRoutine{name: m[1], why: map[cpuid.FeatureID]string{}}
			routines = append(routines, cur)
			return
		}
		if cur == nil {
			fail(at, "%q outside any TEXT routine", s)
			return
		}
		mnemonic, rest, _ := strings.Cut(s, " ")
		mnemonic = strings.TrimSpace(mnemonic)
		ops := splitOperands(rest)
		if mnemonic == "BYTE" {
			if len(ops) != 1 {
				fail(at, "BYTE takes one operand: %q", s)
				return
			}
			v, err := strconv.ParseUint(strings.TrimPrefix(ops[0], "$"), 0, 8)
			if err != nil {
				fail(at, "BYTE %s: %v", ops[0], err)
				return
			}
			if len(pending) == 0 {
				pendAt = at
			}
			pending = append(pending, byte(v))
			return
		}
		flush()
		base, suffix, _ := strings.Cut(mnemonic, ".")
		if baseInstr[base] && suffix == "" {
			return
		}
		vi, ok := vecInstrs[base]
		if !ok {
			fail(at, "instruction %s is not in baseInstr or vecInstrs of asmfeatures_amd64_test.go; add it with the features of its forms", base)
			return
		}
		fs, err := vecNeeds(vi, suffix, ops)
		if err != nil {
			fail(at, "%s: %v", s, err)
			return
		}
		need(at, s, fs...)
	}

	lines := strings.Split(regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllStringFunc(src, func(c string) string {
		return strings.Repeat("\n", strings.Count(c, "\n")) // keep the line numbers
	}), "\n")
	for i := 0; i < len(lines); i++ {
		at := fmt.Sprintf("%s:%d", file, i+1)
		line := stripLineComment(lines[i])
		for strings.HasSuffix(strings.TrimRight(line, " \t"), `\`) && i+1 < len(lines) {
			line = strings.TrimSuffix(strings.TrimRight(line, " \t"), `\`) + " " + stripLineComment(lines[i+1])
			i++
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "#include"):
		case strings.HasPrefix(line, "#define"):
			m := defineRe.FindStringSubmatch(line)
			if m == nil {
				fail(at, "cannot read %q", line)
				continue
			}
			mac := asmMacro{body: m[4]}
			if m[2] != "" {
				mac.params = []string{}
				for _, p := range strings.Split(m[3], ",") {
					if p = strings.TrimSpace(p); p != "" {
						mac.params = append(mac.params, p)
					}
				}
			}
			macros[m[1]] = mac
		case strings.HasPrefix(line, "#"):
			fail(at, "preprocessor line %q is not understood by asmNeeds", line)
		default:
			for _, part := range strings.Split(line, ";") {
				stmt(at, part, 0)
			}
		}
	}
	if cur != nil {
		flush()
	}
	return routines, errs
}

func stripLineComment(s string) string {
	if i := strings.Index(s, "//"); i >= 0 {
		return s[:i]
	}
	return s
}

// macroArgs splits "(a, f(b, c), d)" into its top-level arguments.
func macroArgs(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return nil, false
	}
	return splitOperands(s[1 : len(s)-1]), true
}

// splitOperands splits s at the commas outside parentheses.
func splitOperands(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if last := strings.TrimSpace(s[start:]); last != "" || len(out) > 0 {
		out = append(out, last)
	}
	return out
}

// vecNeeds works out how Go's assembler encodes one vector instruction —
// VEX wherever it can, EVEX where the instruction has no VEX form or the
// operands need it (zmm, opmask, X16–X31 and Y16–Y31, a .BCST, .Z or
// rounding suffix) — and what that encoding needs.
func vecNeeds(vi vecInstr, suffix string, ops []string) ([]cpuid.FeatureID, error) {
	bits, evex := 0, vi.noVEX || suffix != ""
	for _, op := range ops {
		if m := vecReg.FindStringSubmatch(op); m != nil {
			n, _ := strconv.Atoi(m[2])
			bits = max(bits, map[string]int{"X": 128, "Y": 256, "Z": 512}[m[1]])
			evex = evex || m[1] == "Z" || n >= 16
		}
		evex = evex || maskReg.MatchString(op)
	}
	if !evex {
		if vi.noVEX {
			return nil, fmt.Errorf("no VEX form")
		}
		fs := append([]cpuid.FeatureID{cpuid.AVX}, vi.vex...)
		if bits == 256 {
			fs = append(fs, vi.vexY...)
		}
		if len(ops) > 0 && vecReg.MatchString(ops[0]) {
			fs = append(fs, vi.vexRegSrc...)
		}
		return fs, nil
	}
	if vi.noEVEX {
		return nil, fmt.Errorf("operands need EVEX, which the instruction does not have")
	}
	if bits == 0 {
		return nil, fmt.Errorf("no vector register to tell the vector length")
	}
	return evexNeeds(vi, bits), nil
}

func evexNeeds(vi vecInstr, bits int) []cpuid.FeatureID {
	fs := append([]cpuid.FeatureID{cpuid.AVX512F}, vi.evex...)
	if bits < 512 && !vi.scalar {
		fs = append(fs, cpuid.AVX512VL)
	}
	return fs
}
