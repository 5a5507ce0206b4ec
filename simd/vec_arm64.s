//go:build !purego

#include "textflag.h"

// Every routine here takes slices whose length is a multiple of 8; R3 counts
// the floats left. Main loops handle 16 floats (four q registers) a turn,
// then at most one 8-float block.
//
// Go's arm64 assembler lacks the vector floating-point arithmetic below, so
// it is written as WORDs; d, n, m are register numbers (Vd, Vn, Vm), and the
// encodings were checked against llvm-mc. Vector forms are on four singles
// (.4S, Q=1, sz=0).

// FADD Vd.4S, Vn.4S, Vm.4S:  Vd = Vn + Vm.
#define FADD_V(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))

// FMUL Vd.4S, Vn.4S, Vm.4S:  Vd = Vn · Vm.
#define FMUL_V(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))

// FMAX Vd.4S, Vn.4S, Vm.4S:  Vd = max(Vn, Vm) (NaN if either is NaN).
#define FMAX_V(d, n, m) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))

// FADDP Vd.4S, Vn.4S, Vm.4S:  pairwise sums, Vd = [n0+n1, n2+n3, m0+m1, m2+m3].
#define FADDP_V(d, n, m) WORD $(0x6E20D400 | ((m)<<16) | ((n)<<5) | (d))

// FADDP Sd, Vn.2S:  Sd = n0 + n1.
#define FADDP_S(d, n) WORD $(0x7E30D800 | ((n)<<5) | (d))

// FMAXV Sd, Vn.4S:  Sd = max(n0, n1, n2, n3).
#define FMAXV_S(d, n) WORD $(0x6E30F800 | ((n)<<5) | (d))

// FCMGT Vd.4S, Vn.4S, #0.0:  lane mask of Vn > 0 (all ones or zero; NaN gives zero).
#define FCMGT_ZERO(d, n) WORD $(0x4EA0C800 | ((n)<<5) | (d))

// F0 = the sum of the four lanes of V16.
#define HSUM_V16 \
	FADDP_V(16, 16, 16); \
	FADDP_S(0, 16)

// func axpyAsm(alpha float32, x, y []float32)
TEXT ·axpyAsm(SB), NOSPLIT, $0-56
	FMOVS alpha+0(FP), F0
	MOVD  x_base+8(FP), R0
	MOVD  x_len+16(FP), R3
	MOVD  y_base+32(FP), R1
	VDUP  V0.S[0], V0.S4

axpy16:
	CMP    $16, R3
	BLT    axpy8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1   (R1), [V5.S4, V6.S4, V7.S4, V8.S4]
	VFMLA  V0.S4, V1.S4, V5.S4
	VFMLA  V0.S4, V2.S4, V6.S4
	VFMLA  V0.S4, V3.S4, V7.S4
	VFMLA  V0.S4, V4.S4, V8.S4
	VST1.P [V5.S4, V6.S4, V7.S4, V8.S4], 64(R1)
	SUB    $16, R3, R3
	B      axpy16

axpy8:
	CBZ   R3, axpyDone
	VLD1  (R0), [V1.S4, V2.S4]
	VLD1  (R1), [V5.S4, V6.S4]
	VFMLA V0.S4, V1.S4, V5.S4
	VFMLA V0.S4, V2.S4, V6.S4
	VST1  [V5.S4, V6.S4], (R1)

axpyDone:
	RET

// func dotAsm(x, y []float32) float32
TEXT ·dotAsm(SB), NOSPLIT, $0-52
	MOVD x_base+0(FP), R0
	MOVD x_len+8(FP), R3
	MOVD y_base+24(FP), R1
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16

dot16:
	CMP    $16, R3
	BLT    dot8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1.P 64(R1), [V5.S4, V6.S4, V7.S4, V8.S4]
	VFMLA  V5.S4, V1.S4, V16.S4
	VFMLA  V6.S4, V2.S4, V17.S4
	VFMLA  V7.S4, V3.S4, V18.S4
	VFMLA  V8.S4, V4.S4, V19.S4
	SUB    $16, R3, R3
	B      dot16

dot8:
	CBZ   R3, dotReduce
	VLD1  (R0), [V1.S4, V2.S4]
	VLD1  (R1), [V5.S4, V6.S4]
	VFMLA V5.S4, V1.S4, V16.S4
	VFMLA V6.S4, V2.S4, V17.S4

dotReduce:
	FADD_V(16, 16, 17)
	FADD_V(18, 18, 19)
	FADD_V(16, 16, 18)
	HSUM_V16
	FMOVS F0, ret+48(FP)
	RET

// func scaleAsm(alpha float32, x []float32)
TEXT ·scaleAsm(SB), NOSPLIT, $0-32
	FMOVS alpha+0(FP), F0
	MOVD  x_base+8(FP), R0
	MOVD  x_len+16(FP), R3
	VDUP  V0.S[0], V0.S4

scale16:
	CMP    $16, R3
	BLT    scale8
	VLD1   (R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	FMUL_V(1, 1, 0)
	FMUL_V(2, 2, 0)
	FMUL_V(3, 3, 0)
	FMUL_V(4, 4, 0)
	VST1.P [V1.S4, V2.S4, V3.S4, V4.S4], 64(R0)
	SUB    $16, R3, R3
	B      scale16

scale8:
	CBZ  R3, scaleDone
	VLD1 (R0), [V1.S4, V2.S4]
	FMUL_V(1, 1, 0)
	FMUL_V(2, 2, 0)
	VST1 [V1.S4, V2.S4], (R0)

scaleDone:
	RET

// func addAsm(dst, x, y []float32)
TEXT ·addAsm(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), R2
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R0
	MOVD y_base+48(FP), R1

add16:
	CMP    $16, R3
	BLT    add8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1.P 64(R1), [V5.S4, V6.S4, V7.S4, V8.S4]
	FADD_V(1, 1, 5)
	FADD_V(2, 2, 6)
	FADD_V(3, 3, 7)
	FADD_V(4, 4, 8)
	VST1.P [V1.S4, V2.S4, V3.S4, V4.S4], 64(R2)
	SUB    $16, R3, R3
	B      add16

add8:
	CBZ  R3, addDone
	VLD1 (R0), [V1.S4, V2.S4]
	VLD1 (R1), [V5.S4, V6.S4]
	FADD_V(1, 1, 5)
	FADD_V(2, 2, 6)
	VST1 [V1.S4, V2.S4], (R2)

addDone:
	RET

// func mulAsm(dst, x, y []float32)
TEXT ·mulAsm(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), R2
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R0
	MOVD y_base+48(FP), R1

mul16:
	CMP    $16, R3
	BLT    mul8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1.P 64(R1), [V5.S4, V6.S4, V7.S4, V8.S4]
	FMUL_V(1, 1, 5)
	FMUL_V(2, 2, 6)
	FMUL_V(3, 3, 7)
	FMUL_V(4, 4, 8)
	VST1.P [V1.S4, V2.S4, V3.S4, V4.S4], 64(R2)
	SUB    $16, R3, R3
	B      mul16

mul8:
	CBZ  R3, mulDone
	VLD1 (R0), [V1.S4, V2.S4]
	VLD1 (R1), [V5.S4, V6.S4]
	FMUL_V(1, 1, 5)
	FMUL_V(2, 2, 6)
	VST1 [V1.S4, V2.S4], (R2)

mulDone:
	RET

// func sumAsm(x []float32) float32
TEXT ·sumAsm(SB), NOSPLIT, $0-28
	MOVD x_base+0(FP), R0
	MOVD x_len+8(FP), R3
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16

sum16:
	CMP    $16, R3
	BLT    sum8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	FADD_V(16, 16, 1)
	FADD_V(17, 17, 2)
	FADD_V(18, 18, 3)
	FADD_V(19, 19, 4)
	SUB    $16, R3, R3
	B      sum16

sum8:
	CBZ  R3, sumReduce
	VLD1 (R0), [V1.S4, V2.S4]
	FADD_V(16, 16, 1)
	FADD_V(17, 17, 2)

sumReduce:
	FADD_V(16, 16, 17)
	FADD_V(18, 18, 19)
	FADD_V(16, 16, 18)
	HSUM_V16
	FMOVS F0, ret+24(FP)
	RET

// func maxAsm(x []float32) float32
//
// The four running maxima start as the first four floats (len(x) >= 8).
TEXT ·maxAsm(SB), NOSPLIT, $0-28
	MOVD x_base+0(FP), R0
	MOVD x_len+8(FP), R3
	VLD1 (R0), [V16.S4]
	VORR V16.B16, V16.B16, V17.B16
	VORR V16.B16, V16.B16, V18.B16
	VORR V16.B16, V16.B16, V19.B16

max16:
	CMP    $16, R3
	BLT    max8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	FMAX_V(16, 16, 1)
	FMAX_V(17, 17, 2)
	FMAX_V(18, 18, 3)
	FMAX_V(19, 19, 4)
	SUB    $16, R3, R3
	B      max16

max8:
	CBZ  R3, maxReduce
	VLD1 (R0), [V1.S4, V2.S4]
	FMAX_V(16, 16, 1)
	FMAX_V(17, 17, 2)

maxReduce:
	FMAX_V(16, 16, 17)
	FMAX_V(18, 18, 19)
	FMAX_V(16, 16, 18)
	FMAXV_S(0, 16)
	FMOVS F0, ret+24(FP)
	RET

// func reluAsm(dst, x []float32)
//
// dst = x AND (x > 0): x where positive, +0 elsewhere (NaN included).
TEXT ·reluAsm(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R2
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R0

relu16:
	CMP    $16, R3
	BLT    relu8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	FCMGT_ZERO(5, 1)
	FCMGT_ZERO(6, 2)
	FCMGT_ZERO(7, 3)
	FCMGT_ZERO(8, 4)
	VAND   V5.B16, V1.B16, V1.B16
	VAND   V6.B16, V2.B16, V2.B16
	VAND   V7.B16, V3.B16, V3.B16
	VAND   V8.B16, V4.B16, V4.B16
	VST1.P [V1.S4, V2.S4, V3.S4, V4.S4], 64(R2)
	SUB    $16, R3, R3
	B      relu16

relu8:
	CBZ  R3, reluDone
	VLD1 (R0), [V1.S4, V2.S4]
	FCMGT_ZERO(5, 1)
	FCMGT_ZERO(6, 2)
	VAND V5.B16, V1.B16, V1.B16
	VAND V6.B16, V2.B16, V2.B16
	VST1 [V1.S4, V2.S4], (R2)

reluDone:
	RET

// func reluBackwardAsm(dx, dy, x []float32)
//
// s = dx + dy, then dx takes s's bits where x > 0 (VBIT), so lanes where
// x <= 0 or NaN keep dx's bits exactly.
TEXT ·reluBackwardAsm(SB), NOSPLIT, $0-72
	MOVD dx_base+0(FP), R2
	MOVD dx_len+8(FP), R3
	MOVD dy_base+24(FP), R1
	MOVD x_base+48(FP), R0

reluBack16:
	CMP    $16, R3
	BLT    reluBack8
	VLD1.P 64(R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1.P 64(R1), [V5.S4, V6.S4, V7.S4, V8.S4]
	VLD1   (R2), [V16.S4, V17.S4, V18.S4, V19.S4]
	FCMGT_ZERO(1, 1)
	FCMGT_ZERO(2, 2)
	FCMGT_ZERO(3, 3)
	FCMGT_ZERO(4, 4)
	FADD_V(5, 5, 16)
	FADD_V(6, 6, 17)
	FADD_V(7, 7, 18)
	FADD_V(8, 8, 19)
	VBIT   V1.B16, V5.B16, V16.B16
	VBIT   V2.B16, V6.B16, V17.B16
	VBIT   V3.B16, V7.B16, V18.B16
	VBIT   V4.B16, V8.B16, V19.B16
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R2)
	SUB    $16, R3, R3
	B      reluBack16

reluBack8:
	CBZ  R3, reluBackDone
	VLD1 (R0), [V1.S4, V2.S4]
	VLD1 (R1), [V5.S4, V6.S4]
	VLD1 (R2), [V16.S4, V17.S4]
	FCMGT_ZERO(1, 1)
	FCMGT_ZERO(2, 2)
	FADD_V(5, 5, 16)
	FADD_V(6, 6, 17)
	VBIT V1.B16, V5.B16, V16.B16
	VBIT V2.B16, V6.B16, V17.B16
	VST1 [V16.S4, V17.S4], (R2)

reluBackDone:
	RET
