//go:build !purego

#include "textflag.h"

// func transpose8StripAVX2(blocks int, src *float32, lds int, dst *float32, ldd int)
//
// Transposes 8 rows of 8·blocks floats (row stride lds) into 8·blocks rows
// of 8 floats (row stride ldd), one 8×8 block per turn: eight row loads, the
// usual unpack / shuffle / lane-permute network, eight row stores.
TEXT ·transpose8StripAVX2(SB), NOSPLIT, $0-40
	MOVQ blocks+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), DX
	MOVQ dst+24(FP), DI
	MOVQ ldd+32(FP), BX
	SHLQ $2, DX             // lds in bytes
	SHLQ $2, BX             // ldd in bytes
	LEAQ (DX)(DX*2), R8     // 3·lds
	LEAQ (DX)(DX*4), R9     // 5·lds
	LEAQ (R8)(DX*4), R10    // 7·lds
	LEAQ (BX)(BX*2), R11    // 3·ldd
	LEAQ (BX)(BX*4), R12    // 5·ldd
	LEAQ (R11)(BX*4), R13   // 7·ldd
	LEAQ (BX*8), AX         // 8·ldd: one block of output rows

	TESTQ CX, CX
	JE    done

loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(DX*1), Y1
	VMOVUPS (SI)(DX*2), Y2
	VMOVUPS (SI)(R8*1), Y3
	VMOVUPS (SI)(DX*4), Y4
	VMOVUPS (SI)(R9*1), Y5
	VMOVUPS (SI)(R8*2), Y6
	VMOVUPS (SI)(R10*1), Y7

	// Pairs of rows interleaved within each 128-bit lane.
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	// Columns c | c+4 of rows 0–3 (Y0…Y3) and rows 4–7 (Y4…Y7).
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	// Join the lanes: column c of all eight rows.
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(BX*1)
	VMOVUPS Y10, (DI)(BX*2)
	VMOVUPS Y11, (DI)(R11*1)
	VMOVUPS Y12, (DI)(BX*4)
	VMOVUPS Y13, (DI)(R12*1)
	VMOVUPS Y14, (DI)(R11*2)
	VMOVUPS Y15, (DI)(R13*1)

	ADDQ $32, SI
	ADDQ AX, DI
	DECQ CX
	JNE  loop

done:
	VZEROUPPER
	RET
