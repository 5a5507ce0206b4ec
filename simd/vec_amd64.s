//go:build !purego

#include "textflag.h"

// Every routine here takes slices whose length is a multiple of 8; CX counts
// 8-float blocks. Main loops handle four blocks (128 bytes) a turn, then one
// block at a time.

// Horizontal sum of Y0 into the low lane of X0.
#define HSUM_Y0 \
	VEXTRACTF128 $1, Y0, X1;  \
	VADDPS       X1, X0, X0;  \
	VPERMILPS    $0x0E, X0, X1; \
	VADDPS       X1, X0, X0;  \
	VPERMILPS    $0x01, X0, X1; \
	VADDSS       X1, X0, X0

// func axpyAsm(alpha float32, x, y []float32)
TEXT ·axpyAsm(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ         x_base+8(FP), SI
	MOVQ         x_len+16(FP), CX
	MOVQ         y_base+32(FP), DI
	SHRQ         $3, CX

axpy4:
	CMPQ        CX, $4
	JLT         axpy1
	VMOVUPS     (DI), Y1
	VMOVUPS     32(DI), Y2
	VMOVUPS     64(DI), Y3
	VMOVUPS     96(DI), Y4
	VFMADD231PS (SI), Y0, Y1
	VFMADD231PS 32(SI), Y0, Y2
	VFMADD231PS 64(SI), Y0, Y3
	VFMADD231PS 96(SI), Y0, Y4
	VMOVUPS     Y1, (DI)
	VMOVUPS     Y2, 32(DI)
	VMOVUPS     Y3, 64(DI)
	VMOVUPS     Y4, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $4, CX
	JMP         axpy4

axpy1:
	TESTQ       CX, CX
	JE          axpyDone
	VMOVUPS     (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JMP         axpy1

axpyDone:
	VZEROUPPER
	RET

// func dotAsm(x, y []float32) float32
TEXT ·dotAsm(SB), NOSPLIT, $0-52
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	MOVQ   y_base+24(FP), DI
	SHRQ   $3, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dot4:
	CMPQ        CX, $4
	JLT         dot1
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $4, CX
	JMP         dot4

dot1:
	TESTQ       CX, CX
	JE          dotDone
	VMOVUPS     (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JMP         dot1

dotDone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	MOVSS  X0, ret+48(FP)
	VZEROUPPER
	RET

// func sumAsm(x []float32) float32
TEXT ·sumAsm(SB), NOSPLIT, $0-28
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	SHRQ   $3, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

sum4:
	CMPQ   CX, $4
	JLT    sum1
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $4, CX
	JMP    sum4

sum1:
	TESTQ  CX, CX
	JE     sumDone
	VADDPS (SI), Y0, Y0
	ADDQ   $32, SI
	DECQ   CX
	JMP    sum1

sumDone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	MOVSS  X0, ret+24(FP)
	VZEROUPPER
	RET

// func maxAsm(x []float32) float32
TEXT ·maxAsm(SB), NOSPLIT, $0-28
	MOVQ    x_base+0(FP), SI
	MOVQ    x_len+8(FP), CX
	SHRQ    $3, CX
	VMOVUPS (SI), Y0
	VMOVUPS Y0, Y1
	VMOVUPS Y0, Y2
	VMOVUPS Y0, Y3

max4:
	CMPQ   CX, $4
	JLT    max1
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	VMAXPS 64(SI), Y2, Y2
	VMAXPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $4, CX
	JMP    max4

max1:
	TESTQ  CX, CX
	JE     maxDone
	VMAXPS (SI), Y0, Y0
	ADDQ   $32, SI
	DECQ   CX
	JMP    max1

maxDone:
	VMAXPS       Y1, Y0, Y0
	VMAXPS       Y3, Y2, Y2
	VMAXPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x0E, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x01, X0, X1
	VMAXSS       X1, X0, X0
	MOVSS        X0, ret+24(FP)
	VZEROUPPER
	RET

// func scaleAsm(alpha float32, x []float32)
TEXT ·scaleAsm(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ         x_base+8(FP), SI
	MOVQ         x_len+16(FP), CX
	SHRQ         $3, CX

scale4:
	CMPQ    CX, $4
	JLT     scale1
	VMULPS  (SI), Y0, Y1
	VMULPS  32(SI), Y0, Y2
	VMULPS  64(SI), Y0, Y3
	VMULPS  96(SI), Y0, Y4
	VMOVUPS Y1, (SI)
	VMOVUPS Y2, 32(SI)
	VMOVUPS Y3, 64(SI)
	VMOVUPS Y4, 96(SI)
	ADDQ    $128, SI
	SUBQ    $4, CX
	JMP     scale4

scale1:
	TESTQ   CX, CX
	JE      scaleDone
	VMULPS  (SI), Y0, Y1
	VMOVUPS Y1, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JMP     scale1

scaleDone:
	VZEROUPPER
	RET

// Elementwise dst = x OP y over CX blocks; DI = dst, SI = x, DX = y.
#define BINARY_LOOP(OP, four, one, done) \
four:                      \
	CMPQ    CX, $4;        \
	JLT     one;           \
	VMOVUPS (SI), Y0;      \
	VMOVUPS 32(SI), Y1;    \
	VMOVUPS 64(SI), Y2;    \
	VMOVUPS 96(SI), Y3;    \
	OP      (DX), Y0, Y0;  \
	OP      32(DX), Y1, Y1; \
	OP      64(DX), Y2, Y2; \
	OP      96(DX), Y3, Y3; \
	VMOVUPS Y0, (DI);      \
	VMOVUPS Y1, 32(DI);    \
	VMOVUPS Y2, 64(DI);    \
	VMOVUPS Y3, 96(DI);    \
	ADDQ    $128, SI;      \
	ADDQ    $128, DX;      \
	ADDQ    $128, DI;      \
	SUBQ    $4, CX;        \
	JMP     four;          \
one:                       \
	TESTQ   CX, CX;        \
	JE      done;          \
	VMOVUPS (SI), Y0;      \
	OP      (DX), Y0, Y0;  \
	VMOVUPS Y0, (DI);      \
	ADDQ    $32, SI;       \
	ADDQ    $32, DX;       \
	ADDQ    $32, DI;       \
	DECQ    CX;            \
	JMP     one;           \
done:                      \
	VZEROUPPER;            \
	RET

// func addAsm(dst, x, y []float32)
TEXT ·addAsm(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), DX
	SHRQ $3, CX
	BINARY_LOOP(VADDPS, add4, add1, addDone)

// func mulAsm(dst, x, y []float32)
TEXT ·mulAsm(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), DX
	SHRQ $3, CX
	BINARY_LOOP(VMULPS, mul4, mul1, mulDone)

// func reluAsm(dst, x []float32)
TEXT ·reluAsm(SB), NOSPLIT, $0-48
	MOVQ   dst_base+0(FP), DI
	MOVQ   dst_len+8(FP), CX
	MOVQ   x_base+24(FP), SI
	SHRQ   $3, CX
	VXORPS Y15, Y15, Y15

relu4:
	CMPQ    CX, $4
	JLT     relu1
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	// x > 0 ? x : 0, so NaN becomes 0 as in the Go twin.
	VMAXPS  Y15, Y0, Y0
	VMAXPS  Y15, Y1, Y1
	VMAXPS  Y15, Y2, Y2
	VMAXPS  Y15, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $4, CX
	JMP     relu4

relu1:
	TESTQ   CX, CX
	JE      reluDone
	VMOVUPS (SI), Y0
	VMAXPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     relu1

reluDone:
	VZEROUPPER
	RET

// One block of dx += dy where x > 0 (ordered compare: NaN adds nothing).
#define RELU_BWD_BLOCK(off, R) \
	VMOVUPS off(R8), R;          \
	VCMPPS  $0x1E, Y15, R, R;    \
	VANDPS  off(DX), R, R;       \
	VADDPS  off(DI), R, R;       \
	VMOVUPS R, off(DI)

// func reluBackwardAsm(dx, dy, x []float32)
TEXT ·reluBackwardAsm(SB), NOSPLIT, $0-72
	MOVQ   dx_base+0(FP), DI
	MOVQ   dx_len+8(FP), CX
	MOVQ   dy_base+24(FP), DX
	MOVQ   x_base+48(FP), R8
	SHRQ   $3, CX
	VXORPS Y15, Y15, Y15

rb4:
	CMPQ CX, $4
	JLT  rb1
	RELU_BWD_BLOCK(0, Y0)
	RELU_BWD_BLOCK(32, Y1)
	RELU_BWD_BLOCK(64, Y2)
	RELU_BWD_BLOCK(96, Y3)
	ADDQ $128, R8
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $4, CX
	JMP  rb4

rb1:
	TESTQ CX, CX
	JE    rbDone
	RELU_BWD_BLOCK(0, Y0)
	ADDQ  $32, R8
	ADDQ  $32, DX
	ADDQ  $32, DI
	DECQ  CX
	JMP   rb1

rbDone:
	VZEROUPPER
	RET
