//go:build !purego

#include "textflag.h"

// func transpose4StripNEON(blocks int, src *float32, lds int, dst *float32, ldd int)
//
// Transposes 4 rows of 4·blocks floats (row stride lds) into 4·blocks rows
// of 4 floats (row stride ldd), one 4×4 block per turn: four row loads, two
// rounds of TRN1/TRN2 (on singles, then on pairs), four row stores.
TEXT ·transpose4StripNEON(SB), NOSPLIT, $0-40
	MOVD blocks+0(FP), R0
	MOVD src+8(FP), R4
	MOVD lds+16(FP), R1
	MOVD dst+24(FP), R8
	MOVD ldd+32(FP), R2
	LSL  $2, R1, R1     // lds in bytes
	LSL  $2, R2, R2     // ldd in bytes
	ADD  R1, R4, R5     // source rows 0…3 in R4…R7
	ADD  R1, R5, R6
	ADD  R1, R6, R7
	ADD  R2, R8, R9     // destination rows 0…3 of a block in R8…R11
	ADD  R2, R9, R10
	ADD  R2, R10, R11
	LSL  $2, R2, R3     // 4·ldd: one block of destination rows

	CBZ R0, done

loop:
	// Rows a, b, c, d of the block.
	VLD1.P 16(R4), [V0.S4]
	VLD1.P 16(R5), [V1.S4]
	VLD1.P 16(R6), [V2.S4]
	VLD1.P 16(R7), [V3.S4]

	VTRN1 V1.S4, V0.S4, V4.S4 // a0 b0 a2 b2
	VTRN2 V1.S4, V0.S4, V5.S4 // a1 b1 a3 b3
	VTRN1 V3.S4, V2.S4, V6.S4 // c0 d0 c2 d2
	VTRN2 V3.S4, V2.S4, V7.S4 // c1 d1 c3 d3

	VTRN1 V6.D2, V4.D2, V16.D2 // a0 b0 c0 d0
	VTRN1 V7.D2, V5.D2, V17.D2 // a1 b1 c1 d1
	VTRN2 V6.D2, V4.D2, V18.D2 // a2 b2 c2 d2
	VTRN2 V7.D2, V5.D2, V19.D2 // a3 b3 c3 d3

	VST1.P [V16.S4], (R8)(R3)
	VST1.P [V17.S4], (R9)(R3)
	VST1.P [V18.S4], (R10)(R3)
	VST1.P [V19.S4], (R11)(R3)

	SUBS $1, R0, R0
	BNE  loop

done:
	RET
