//go:build !purego

#include "textflag.h"

// The fused batch-norm kernels of vec_fused.go. Every routine takes slices
// whose length is a multiple of 8; CX counts 8-float blocks. The reductions
// keep the accumulators of dotAsm and sumAsm (four blocks a turn, then one
// block at a time into the first), so that they give the same bits.

// Horizontal sum of Y0 into the low lane of X0, as in vec_amd64.s.
#define HSUM_Y0 \
	VEXTRACTF128 $1, Y0, X1;  \
	VADDPS       X1, X0, X0;  \
	VPERMILPS    $0x0E, X0, X1; \
	VADDPS       X1, X0, X0;  \
	VPERMILPS    $0x01, X0, X1; \
	VADDSS       X1, X0, X0

// func sumSqDevAsm(x []float32, mu float32) float32
TEXT ·sumSqDevAsm(SB), NOSPLIT, $0-36
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSS mu+24(FP), Y8
	SHRQ         $3, CX
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3

ssd4:
	CMPQ        CX, $4
	JLT         ssd1
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VSUBPS      Y8, Y4, Y4
	VSUBPS      Y8, Y5, Y5
	VSUBPS      Y8, Y6, Y6
	VSUBPS      Y8, Y7, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ        $128, SI
	SUBQ        $4, CX
	JMP         ssd4

ssd1:
	TESTQ       CX, CX
	JE          ssdDone
	VMOVUPS     (SI), Y4
	VSUBPS      Y8, Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ        $32, SI
	DECQ        CX
	JMP         ssd1

ssdDone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	MOVSS  X0, ret+32(FP)
	VZEROUPPER
	RET

// One block of sumDotDevAsm at byte offset off into accumulators S (Σ dy)
// and D (Σ dy·(x − mu)).
#define SDD_BLOCK(off, S, D) \
	VMOVUPS     off(SI), Y9;  \
	VADDPS      Y9, S, S;     \
	VMOVUPS     off(DI), Y13; \
	VSUBPS      Y8, Y13, Y13; \
	VFMADD231PS Y13, Y9, D

// func sumDotDevAsm(dy, x []float32, mu float32) (sum, dot float32)
TEXT ·sumDotDevAsm(SB), NOSPLIT, $0-64
	MOVQ         dy_base+0(FP), SI
	MOVQ         dy_len+8(FP), CX
	MOVQ         x_base+24(FP), DI
	VBROADCASTSS mu+48(FP), Y8
	SHRQ         $3, CX
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	VXORPS       Y4, Y4, Y4
	VXORPS       Y5, Y5, Y5
	VXORPS       Y6, Y6, Y6
	VXORPS       Y7, Y7, Y7

sdd4:
	CMPQ CX, $4
	JLT  sdd1
	SDD_BLOCK(0, Y0, Y4)
	SDD_BLOCK(32, Y1, Y5)
	SDD_BLOCK(64, Y2, Y6)
	SDD_BLOCK(96, Y3, Y7)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $4, CX
	JMP  sdd4

sdd1:
	TESTQ CX, CX
	JE    sddDone
	SDD_BLOCK(0, Y0, Y4)
	ADDQ  $32, SI
	ADDQ  $32, DI
	DECQ  CX
	JMP   sdd1

sddDone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	MOVSS  X0, sum+56(FP)
	VADDPS Y5, Y4, Y0
	VADDPS Y7, Y6, Y2
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	MOVSS  X0, dot+60(FP)
	VZEROUPPER
	RET

// func scaleShiftAsm(dst, x []float32, a, b float32)
TEXT ·scaleShiftAsm(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	VBROADCASTSS a+48(FP), Y8
	VBROADCASTSS b+52(FP), Y9
	SHRQ         $3, CX

ss1:
	TESTQ   CX, CX
	JE      ssDone
	VMOVUPS (SI), Y0
	VMULPS  Y8, Y0, Y0
	VADDPS  Y9, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     ss1

ssDone:
	VZEROUPPER
	RET

// func scaleShiftReluAsm(dst, x []float32, a, b float32)
TEXT ·scaleShiftReluAsm(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	VBROADCASTSS a+48(FP), Y8
	VBROADCASTSS b+52(FP), Y9
	VXORPS       Y15, Y15, Y15
	SHRQ         $3, CX

ssr1:
	TESTQ   CX, CX
	JE      ssrDone
	VMOVUPS (SI), Y0
	VMULPS  Y8, Y0, Y0
	VADDPS  Y9, Y0, Y0
	// y > 0 ? y : 0, so NaN becomes 0 as in Relu.
	VMAXPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     ssr1

ssrDone:
	VZEROUPPER
	RET

// func scaleShiftAddReluAsm(dst, x, res []float32, a, b float32)
TEXT ·scaleShiftAddReluAsm(SB), NOSPLIT, $0-80
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	MOVQ         res_base+48(FP), DX
	VBROADCASTSS a+72(FP), Y8
	VBROADCASTSS b+76(FP), Y9
	VXORPS       Y15, Y15, Y15
	SHRQ         $3, CX

ssar1:
	TESTQ   CX, CX
	JE      ssarDone
	VMOVUPS (SI), Y0
	VMULPS  Y8, Y0, Y0
	VADDPS  Y9, Y0, Y0
	VADDPS  (DX), Y0, Y0
	VMAXPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JMP     ssar1

ssarDone:
	VZEROUPPER
	RET

// func addAffine2Asm(dst, x, y []float32, a, b, c float32)
TEXT ·addAffine2Asm(SB), NOSPLIT, $0-84
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	MOVQ         y_base+48(FP), DX
	VBROADCASTSS a+72(FP), Y8
	VBROADCASTSS b+76(FP), Y9
	VBROADCASTSS c+80(FP), Y10
	SHRQ         $3, CX

aa1:
	TESTQ       CX, CX
	JE          aaDone
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y8, Y0
	VFMADD231PS (DX), Y9, Y0
	VADDPS      Y10, Y0, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	DECQ        CX
	JMP         aa1

aaDone:
	VZEROUPPER
	RET

// func momentumStepAsm(p, buf, g []float32, momentum, gscale, lr float32)
TEXT ·momentumStepAsm(SB), NOSPLIT, $0-84
	MOVQ         p_base+0(FP), DI
	MOVQ         p_len+8(FP), CX
	MOVQ         buf_base+24(FP), SI
	MOVQ         g_base+48(FP), DX
	VBROADCASTSS momentum+72(FP), Y8
	VBROADCASTSS gscale+76(FP), Y9
	VBROADCASTSS lr+80(FP), Y10
	VXORPS       Y11, Y11, Y11
	VSUBPS       Y10, Y11, Y10 // −lr
	SHRQ         $3, CX

ms1:
	TESTQ       CX, CX
	JE          msDone
	VMOVUPS     (SI), Y0
	VMULPS      Y8, Y0, Y0
	VFMADD231PS (DX), Y9, Y0
	VMOVUPS     Y0, (SI)
	VMOVUPS     (DI), Y1
	VFMADD231PS Y0, Y10, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	DECQ        CX
	JMP         ms1

msDone:
	VZEROUPPER
	RET
