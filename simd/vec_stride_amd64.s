//go:build !purego

#include "textflag.h"

// The stride-2 copies of vec_stride.go. CX counts blocks of 8 elements of
// the shorter slice (16 of the longer).

// func gatherEvenAsm(dst, src []float32)
TEXT ·gatherEvenAsm(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	SHRQ $3, CX

ge1:
	TESTQ      CX, CX
	JE         geDone
	VMOVUPS    (SI), Y0                // s0 … s7
	VMOVUPS    32(SI), Y1              // s8 … s15
	VSHUFPS    $0x88, Y1, Y0, Y2       // s0 s2 s8 s10 | s4 s6 s12 s14
	VPERMPD    $0xD8, Y2, Y2           // 64-bit pairs 0 2 1 3: s0 s2 s4 … s14
	VMOVUPS    Y2, (DI)
	ADDQ       $64, SI
	ADDQ       $32, DI
	DECQ       CX
	JMP        ge1

geDone:
	VZEROUPPER
	RET

// func addToEvenAsm(dst, src []float32)
//
// The odd elements of dst get −0 added, which leaves every value (−0, NaN
// and infinities included) as it was.
TEXT ·addToEvenAsm(SB), NOSPLIT, $0-48
	MOVQ       dst_base+0(FP), DI
	MOVQ       src_base+24(FP), SI
	MOVQ       src_len+32(FP), CX
	SHRQ       $3, CX
	VPCMPEQD   Y7, Y7, Y7
	VPSLLD     $31, Y7, Y7             // −0 in every lane

ae1:
	TESTQ      CX, CX
	JE         aeDone
	VMOVUPS    (SI), Y0                // s0 … s7
	VUNPCKLPS  Y7, Y0, Y1              // s0 −0 s1 −0 | s4 −0 s5 −0
	VUNPCKHPS  Y7, Y0, Y2              // s2 −0 s3 −0 | s6 −0 s7 −0
	VPERM2F128 $0x20, Y2, Y1, Y3       // s0 −0 s1 −0 s2 −0 s3 −0
	VPERM2F128 $0x31, Y2, Y1, Y4       // s4 −0 … s7 −0
	VMOVUPS    (DI), Y5
	VMOVUPS    32(DI), Y6
	VADDPS     Y3, Y5, Y5              // dst + src, in the Go twin's order
	VADDPS     Y4, Y6, Y6
	VMOVUPS    Y5, (DI)
	VMOVUPS    Y6, 32(DI)
	ADDQ       $32, SI
	ADDQ       $64, DI
	DECQ       CX
	JMP        ae1

aeDone:
	VZEROUPPER
	RET

// func deinterleaveAsm(even, odd, src []float32)
TEXT ·deinterleaveAsm(SB), NOSPLIT, $0-72
	MOVQ even_base+0(FP), DI
	MOVQ even_len+8(FP), CX
	MOVQ odd_base+24(FP), DX
	MOVQ src_base+48(FP), SI
	SHRQ $3, CX

di1:
	TESTQ   CX, CX
	JE      diDone
	VMOVUPS (SI), Y0                // s0 … s7
	VMOVUPS 32(SI), Y1              // s8 … s15
	VSHUFPS $0x88, Y1, Y0, Y2       // s0 s2 s8 s10 | s4 s6 s12 s14
	VSHUFPS $0xDD, Y1, Y0, Y3       // s1 s3 s9 s11 | s5 s7 s13 s15
	VPERMPD $0xD8, Y2, Y2           // s0 s2 s4 … s14
	VPERMPD $0xD8, Y3, Y3           // s1 s3 s5 … s15
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ    $64, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JMP     di1

diDone:
	VZEROUPPER
	RET

// func addInterleavedAsm(dst, even, odd []float32)
TEXT ·addInterleavedAsm(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ even_base+24(FP), SI
	MOVQ even_len+32(FP), CX
	MOVQ odd_base+48(FP), DX
	SHRQ $3, CX

ai1:
	TESTQ      CX, CX
	JE         aiDone
	VMOVUPS    (SI), Y0             // e0 … e7
	VMOVUPS    (DX), Y1             // o0 … o7
	VUNPCKLPS  Y1, Y0, Y2           // e0 o0 e1 o1 | e4 o4 e5 o5
	VUNPCKHPS  Y1, Y0, Y3           // e2 o2 e3 o3 | e6 o6 e7 o7
	VPERM2F128 $0x20, Y3, Y2, Y4    // e0 o0 … e3 o3
	VPERM2F128 $0x31, Y3, Y2, Y5    // e4 o4 … e7 o7
	VMOVUPS    (DI), Y6
	VMOVUPS    32(DI), Y7
	VADDPS     Y4, Y6, Y6           // dst + value, in the Go twin's order
	VADDPS     Y5, Y7, Y7
	VMOVUPS    Y6, (DI)
	VMOVUPS    Y7, 32(DI)
	ADDQ       $32, SI
	ADDQ       $32, DX
	ADDQ       $64, DI
	DECQ       CX
	JMP        ai1

aiDone:
	VZEROUPPER
	RET
