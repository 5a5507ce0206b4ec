//go:build !purego

#include "textflag.h"

// One step of k: load a 16-wide row of the B panel into Y0:Y1, broadcast each
// of the 6 values of the A column in turn and accumulate the outer product
// into the twelve accumulators Y4…Y15 (row r of the tile in Y(4+2r):Y(5+2r)).
#define KSTEP(aoff, boff, boff2) \
	VMOVUPS      boff(BX), Y0;      \
	VMOVUPS      boff2(BX), Y1;     \
	VBROADCASTSS aoff+0(AX), Y2;    \
	VFMADD231PS  Y0, Y2, Y4;        \
	VFMADD231PS  Y1, Y2, Y5;        \
	VBROADCASTSS aoff+4(AX), Y3;    \
	VFMADD231PS  Y0, Y3, Y6;        \
	VFMADD231PS  Y1, Y3, Y7;        \
	VBROADCASTSS aoff+8(AX), Y2;    \
	VFMADD231PS  Y0, Y2, Y8;        \
	VFMADD231PS  Y1, Y2, Y9;        \
	VBROADCASTSS aoff+12(AX), Y3;   \
	VFMADD231PS  Y0, Y3, Y10;       \
	VFMADD231PS  Y1, Y3, Y11;       \
	VBROADCASTSS aoff+16(AX), Y2;   \
	VFMADD231PS  Y0, Y2, Y12;       \
	VFMADD231PS  Y1, Y2, Y13;       \
	VBROADCASTSS aoff+20(AX), Y3;   \
	VFMADD231PS  Y0, Y3, Y14;       \
	VFMADD231PS  Y1, Y3, Y15

// Write one tile row as C = acc (beta == 0: C is not read).
#define STORE_ROW(lo, hi) \
	VMOVUPS lo, (DI);   \
	VMOVUPS hi, 32(DI); \
	ADDQ    DX, DI

// Write one tile row as C = acc + beta·C, beta broadcast in Y1.
#define UPDATE_ROW(lo, hi) \
	VFMADD231PS (DI), Y1, lo;   \
	VFMADD231PS 32(DI), Y1, hi; \
	VMOVUPS     lo, (DI);       \
	VMOVUPS     hi, 32(DI);     \
	ADDQ        DX, DI

// func sgemmKernel6x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $2, DX // ldc in bytes

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	// Bring the C tile towards L1 while the products run.
	MOVQ       DI, R8
	PREFETCHT0 (R8)
	PREFETCHT0 60(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 60(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 60(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 60(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 60(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 60(R8)

	CMPQ CX, $4
	JLT  tail

loop4:
	PREFETCHT0 512(BX)
	KSTEP(0, 0, 32)
	KSTEP(24, 64, 96)
	PREFETCHT0 576(BX)
	KSTEP(48, 128, 160)
	KSTEP(72, 192, 224)
	ADDQ       $96, AX
	ADDQ       $256, BX
	SUBQ       $4, CX
	CMPQ       CX, $4
	JGE        loop4

tail:
	TESTQ CX, CX
	JE    done

tail1:
	KSTEP(0, 0, 32)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNE  tail1

done:
	VBROADCASTSS alpha+40(FP), Y0
	VMULPS       Y0, Y4, Y4
	VMULPS       Y0, Y5, Y5
	VMULPS       Y0, Y6, Y6
	VMULPS       Y0, Y7, Y7
	VMULPS       Y0, Y8, Y8
	VMULPS       Y0, Y9, Y9
	VMULPS       Y0, Y10, Y10
	VMULPS       Y0, Y11, Y11
	VMULPS       Y0, Y12, Y12
	VMULPS       Y0, Y13, Y13
	VMULPS       Y0, Y14, Y14
	VMULPS       Y0, Y15, Y15

	// beta == 0 (and not NaN): store without reading C.
	MOVSS   beta+44(FP), X1
	XORPS   X2, X2
	UCOMISS X2, X1
	JPS     update
	JNE     update
	STORE_ROW(Y4, Y5)
	STORE_ROW(Y6, Y7)
	STORE_ROW(Y8, Y9)
	STORE_ROW(Y10, Y11)
	STORE_ROW(Y12, Y13)
	STORE_ROW(Y14, Y15)
	VZEROUPPER
	RET

update:
	VBROADCASTSS beta+44(FP), Y1
	UPDATE_ROW(Y4, Y5)
	UPDATE_ROW(Y6, Y7)
	UPDATE_ROW(Y8, Y9)
	UPDATE_ROW(Y10, Y11)
	UPDATE_ROW(Y12, Y13)
	UPDATE_ROW(Y14, Y15)
	VZEROUPPER
	RET
