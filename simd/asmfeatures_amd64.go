//go:build !purego

package simd

import "github.com/klauspost/cpuid/v2"

// asmFeatures lists every assembly routine of the *_amd64.s files (its TEXT
// symbol) with the CPU features its instructions need, no more and no
// fewer. It is the one source of the gates: the selection code asks it
// through supports, and TestAsmFeatures derives each list afresh from the
// routine's instructions and fails where the two differ, so a kernel's gate
// cannot drift from its code.
//
// SSE and SSE2 are part of amd64 and are not listed. AVX stands for every
// VEX-encoded instruction, VZEROUPPER included; it is listed even beside
// AVX-512 because cpuid reports AVX512F without looking at the AVX bit (and
// FMA3 without looking at the OS's ymm support). AVX512VL is needed by any
// EVEX-encoded instruction on xmm or ymm registers other than the scalar
// ones, and X16–X31 and Y16–Y31 exist only in EVEX.
var asmFeatures = map[string][]cpuid.FeatureID{
	// kernel_amd64.s: VBROADCASTSS from memory is AVX (only its register
	// form is AVX2); the products are VFMADD231PS.
	"sgemmKernel6x16AVX2": {cpuid.AVX, cpuid.FMA3},
	// transpose_amd64.s: unpacks, shuffles and VPERM2F128, all AVX.
	"transpose8StripAVX2": {cpuid.AVX},

	// vec_amd64.s.
	"axpyAsm":         {cpuid.AVX, cpuid.FMA3},
	"dotAsm":          {cpuid.AVX, cpuid.FMA3},
	"scaleAsm":        {cpuid.AVX},
	"addAsm":          {cpuid.AVX},
	"mulAsm":          {cpuid.AVX},
	"sumAsm":          {cpuid.AVX},
	"maxAsm":          {cpuid.AVX},
	"reluAsm":         {cpuid.AVX},
	"reluBackwardAsm": {cpuid.AVX},

	// vec_fused_amd64.s.
	"sumSqDevAsm":          {cpuid.AVX, cpuid.FMA3},
	"sumDotDevAsm":         {cpuid.AVX, cpuid.FMA3},
	"scaleShiftAsm":        {cpuid.AVX},
	"scaleShiftReluAsm":    {cpuid.AVX},
	"scaleShiftAddReluAsm": {cpuid.AVX},
	"addAffine2Asm":        {cpuid.AVX, cpuid.FMA3},
	"momentumStepAsm":      {cpuid.AVX, cpuid.FMA3},

	// vec_stride_amd64.s: VPERMPD, and VPCMPEQD and VPSLLD on ymm, are AVX2;
	// addInterleavedAsm's unpacks and VPERM2F128 are AVX.
	"gatherEvenAsm":     {cpuid.AVX, cpuid.AVX2},
	"addToEvenAsm":      {cpuid.AVX, cpuid.AVX2},
	"deinterleaveAsm":   {cpuid.AVX, cpuid.AVX2},
	"addInterleavedAsm": {cpuid.AVX},

	// kernel_avx512_amd64.s, kernel8_avx512_amd64.s, conv3x3_amd64.s: zmm
	// registers only, so AVX-512 Foundation, and VZEROUPPER.
	"sgemmKernel12x32AVX512":    {cpuid.AVX, cpuid.AVX512F},
	"sgemmKernel8x32AVX512":     {cpuid.AVX, cpuid.AVX512F},
	"sgemmKernel8x32RowsAVX512": {cpuid.AVX, cpuid.AVX512F},
	"conv3x3WeightGrad16AVX512": {cpuid.AVX, cpuid.AVX512F},

	// sgemm_dot_avx512_amd64.s: the reduction adds ymm and xmm halves in
	// Y24/X24 and Y16–Y23/X16–X23 (VADDPS, VEXTRACTF32X4 of a ymm,
	// VMOVSHDUP), which is AVX512VL (issue 18).
	"sdotKernel4x6AVX512": {cpuid.AVX, cpuid.AVX512F, cpuid.AVX512VL},

	// peak_amd64.s: the register-only FMA loops of FMAPeak (VPXORD, not
	// VXORPS, clears the zmm accumulators: VXORPS on zmm is AVX512DQ).
	"fmaLoopAVX512": {cpuid.AVX, cpuid.AVX512F},
	"fmaLoopAVX2":   {cpuid.AVX, cpuid.FMA3},

	// kernel_bf16_amd64.s: VDPBF16PS and VCVTNE2PS2BF16 on zmm.
	"sgemmBF16Kernel12x32AVX512": {cpuid.AVX, cpuid.AVX512F, cpuid.AVX512BF16},
	"toBF16AVX512":               {cpuid.AVX, cpuid.AVX512F, cpuid.AVX512BF16},
}

// supports reports whether the CPU has every feature that each of the named
// routines needs (asmFeatures), and the path forced by ForcePath (if any)
// allows them. A name missing from asmFeatures panics, at
// start-up, since the gates are package variables.
func supports(routines ...string) bool {
	for _, r := range routines {
		fs, ok := asmFeatures[r]
		if !ok {
			panic("simd: assembly routine " + r + " is not in asmFeatures")
		}
		if !forcedAllows(fs) {
			return false
		}
		if !cpuid.CPU.Supports(fs...) {
			return false
		}
	}
	return true
}
