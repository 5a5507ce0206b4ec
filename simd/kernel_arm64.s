//go:build !purego

#include "textflag.h"

// Go's arm64 assembler has no by-element forms of FMLA and FMUL, so those
// two are written as WORDs. vd, vn, vm are register numbers (Vd, Vn, Vm) and
// i is the lane of vm, 0…3; the encodings were checked against llvm-mc.
//
// FMLA_ELEM(d, n, m, i) is FMLA Vd.4S, Vn.4S, Vm.S[i]:  Vd += Vn · Vm[i].
// Encoding 0 Q=1 0 01111 1 sz=0 L M Rm 0001 H 0 Rn Rd, lane i = H:L.
#define FMLA_ELEM(d, n, m, i) WORD $(0x4F801000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// FMUL_ELEM(d, n, m, i) is FMUL Vd.4S, Vn.4S, Vm.S[i]:  Vd = Vn · Vm[i].
// Encoding as FMLA_ELEM with opcode 1001 in bits 15…12.
#define FMUL_ELEM(d, n, m, i) WORD $(0x4F809000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// One row of the 8×12 tile for one step of k: row i's accumulators are
// V(acc), V(acc+1), V(acc+2) (columns 0–3, 4–7, 8–11), the B row is in
// V2:V3:V4 and A's value for row i is lane l of V(m).
#define KROW(acc, m, l) \
	FMLA_ELEM((acc), 2, m, l);   \
	FMLA_ELEM((acc)+1, 3, m, l); \
	FMLA_ELEM((acc)+2, 4, m, l)

// Scale row i's accumulators by alpha (lane 0 of V5).
#define ALPHA_ROW(acc) \
	FMUL_ELEM((acc), (acc), 5, 0);     \
	FMUL_ELEM((acc)+1, (acc)+1, 5, 0); \
	FMUL_ELEM((acc)+2, (acc)+2, 5, 0)

// Write one tile row as C = acc (beta == 0: C is not read). R3 walks the
// rows of C, R4 is ldc in bytes.
#define STORE_ROW(r0, r1, r2) \
	VST1 [r0.S4, r1.S4, r2.S4], (R3); \
	ADD  R4, R3, R3

// Write one tile row as C = acc + beta·C, beta in lane 0 of V6.
#define UPDATE_ROW(acc, r0, r1, r2) \
	VLD1 (R3), [V2.S4, V3.S4, V4.S4]; \
	FMLA_ELEM((acc), 2, 6, 0);        \
	FMLA_ELEM((acc)+1, 3, 6, 0);      \
	FMLA_ELEM((acc)+2, 4, 6, 0);      \
	STORE_ROW(r0, r1, r2)

// func sgemmKernel8x12NEON(kc int, a, b, c *float32, ldc int, alpha, beta float32)
//
// Accumulators V8…V31 hold the tile, row i in V(8+3i):V(9+3i):V(10+3i). Each
// step of k loads one column of the A panel (V0:V1, rows 0–3 and 4–7) and one
// row of the B panel (V2:V3:V4) and adds their outer product.
TEXT ·sgemmKernel8x12NEON(SB), NOSPLIT, $0-48
	MOVD kc+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD c+24(FP), R3
	MOVD ldc+32(FP), R4
	LSL  $2, R4, R4   // ldc in bytes

	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

	CBZ R0, epilogue

loop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 48(R2), [V2.S4, V3.S4, V4.S4]
	KROW(8, 0, 0)
	KROW(11, 0, 1)
	KROW(14, 0, 2)
	KROW(17, 0, 3)
	KROW(20, 1, 0)
	KROW(23, 1, 1)
	KROW(26, 1, 2)
	KROW(29, 1, 3)
	SUBS $1, R0, R0
	BNE  loop

epilogue:
	FMOVS alpha+40(FP), F5
	FMOVS beta+44(FP), F6
	ALPHA_ROW(8)
	ALPHA_ROW(11)
	ALPHA_ROW(14)
	ALPHA_ROW(17)
	ALPHA_ROW(20)
	ALPHA_ROW(23)
	ALPHA_ROW(26)
	ALPHA_ROW(29)

	FCMPS $(0.0), F6
	BEQ   overwrite

	UPDATE_ROW(8, V8, V9, V10)
	UPDATE_ROW(11, V11, V12, V13)
	UPDATE_ROW(14, V14, V15, V16)
	UPDATE_ROW(17, V17, V18, V19)
	UPDATE_ROW(20, V20, V21, V22)
	UPDATE_ROW(23, V23, V24, V25)
	UPDATE_ROW(26, V26, V27, V28)
	UPDATE_ROW(29, V29, V30, V31)
	RET

overwrite:
	STORE_ROW(V8, V9, V10)
	STORE_ROW(V11, V12, V13)
	STORE_ROW(V14, V15, V16)
	STORE_ROW(V17, V18, V19)
	STORE_ROW(V20, V21, V22)
	STORE_ROW(V23, V24, V25)
	STORE_ROW(V26, V27, V28)
	STORE_ROW(V29, V30, V31)
	RET
