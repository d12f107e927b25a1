//go:build amd64 && !purego && !amd64.v3

#include "textflag.h"

// AVX versions of the row loops in rows.go, four lanes per YMM register.
// Each lane performs the Go loop's operations in its order: multiplies and
// adds stay separate (VMULPD, VADDPD: no FMA), division and square root are
// correctly rounded, and the rounding half away from zero is exact:
// t = trunc(v), then t+1 where v-t >= 0.5 and t-1 where v-t <= -0.5 (v-t is
// exact; NaN for infinities, which keep t), selected with blends so that
// t keeps its sign when unchanged (-0 stays -0, as with math.Round).

DATA absmask<>+0(SB)/8, $0x7fffffffffffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $8
DATA one<>+0(SB)/8, $1.0
GLOBL one<>(SB), RODATA|NOPTR, $8
DATA half<>+0(SB)/8, $0.5
GLOBL half<>(SB), RODATA|NOPTR, $8
DATA neghalf<>+0(SB)/8, $-0.5
GLOBL neghalf<>(SB), RODATA|NOPTR, $8

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func fwdRowAVX(row, c, sum []float64, f0, f1 float64)
// c[j] = row[j]*f0 + c[j]*f1; sum[j] += row[j]
TEXT ·fwdRowAVX(SB), NOSPLIT, $0-88
	MOVQ row_base+0(FP), SI
	MOVQ row_len+8(FP), CX
	MOVQ c_base+24(FP), DI
	MOVQ sum_base+48(FP), DX
	VBROADCASTSD f0+72(FP), Y14
	VBROADCASTSD f1+80(FP), Y15
	XORQ AX, AX
fwdloop:
	CMPQ AX, CX
	JAE fwddone
	VMOVUPD (SI)(AX*8), Y0
	VMULPD Y14, Y0, Y1
	VMOVUPD (DI)(AX*8), Y2
	VMULPD Y15, Y2, Y2
	VADDPD Y2, Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD (DX)(AX*8), Y3
	VADDPD Y0, Y3, Y3
	VMOVUPD Y3, (DX)(AX*8)
	ADDQ $4, AX
	JMP fwdloop
fwddone:
	VZEROUPPER
	RET

// func recRowAVX(row, prev, s []float64, f0, f1 float64)
// s[j] = row[j]*f0 + prev[j]*f1
TEXT ·recRowAVX(SB), NOSPLIT, $0-88
	MOVQ row_base+0(FP), SI
	MOVQ row_len+8(FP), CX
	MOVQ prev_base+24(FP), DX
	MOVQ s_base+48(FP), DI
	VBROADCASTSD f0+72(FP), Y14
	VBROADCASTSD f1+80(FP), Y15
	XORQ AX, AX
recloop:
	CMPQ AX, CX
	JAE recdone
	VMOVUPD (SI)(AX*8), Y0
	VMULPD Y14, Y0, Y0
	VMOVUPD (DX)(AX*8), Y1
	VMULPD Y15, Y1, Y1
	VADDPD Y1, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP recloop
recdone:
	VZEROUPPER
	RET

// func backRowAVX(s, c []float64, f0, f1 float64)
// c[j] = s[j]*f0 + c[j]*f1
TEXT ·backRowAVX(SB), NOSPLIT, $0-64
	MOVQ s_base+0(FP), SI
	MOVQ s_len+8(FP), CX
	MOVQ c_base+24(FP), DI
	VBROADCASTSD f0+48(FP), Y14
	VBROADCASTSD f1+56(FP), Y15
	XORQ AX, AX
backloop:
	CMPQ AX, CX
	JAE backdone
	VMOVUPD (SI)(AX*8), Y0
	VMULPD Y14, Y0, Y0
	VMOVUPD (DI)(AX*8), Y1
	VMULPD Y15, Y1, Y1
	VADDPD Y1, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP backloop
backdone:
	VZEROUPPER
	RET

// func backOutRowAVX(row, s, c, m []float64, f0, f1, lo, hi float64)
// c[j] = s[j]*f0 + c[j]*f1
// row[j] = clip(round(sqrt(|m[j]/c[j]|)*(row[j]-c[j]) + m[j]), lo, hi)
TEXT ·backOutRowAVX(SB), NOSPLIT, $0-128
	MOVQ row_base+0(FP), SI
	MOVQ row_len+8(FP), CX
	MOVQ s_base+24(FP), R8
	MOVQ c_base+48(FP), DI
	MOVQ m_base+72(FP), DX
	VBROADCASTSD f0+96(FP), Y14
	VBROADCASTSD f1+104(FP), Y15
	VBROADCASTSD lo+112(FP), Y8
	VBROADCASTSD hi+120(FP), Y9
	VBROADCASTSD neghalf<>(SB), Y10
	VBROADCASTSD half<>(SB), Y11
	VBROADCASTSD one<>(SB), Y12
	VBROADCASTSD absmask<>(SB), Y13
	XORQ AX, AX
outloop:
	CMPQ AX, CX
	JAE outdone
	VMOVUPD (R8)(AX*8), Y0
	VMULPD Y14, Y0, Y0          // s*f0
	VMOVUPD (DI)(AX*8), Y1
	VMULPD Y15, Y1, Y1          // c*f1
	VADDPD Y1, Y0, Y1           // c = s*f0 + c*f1
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD (DX)(AX*8), Y2      // m
	VDIVPD Y1, Y2, Y3           // m/c
	VANDPD Y13, Y3, Y3          // |m/c|
	VSQRTPD Y3, Y3
	VMOVUPD (SI)(AX*8), Y4      // d
	VSUBPD Y1, Y4, Y4           // d-c
	VMULPD Y4, Y3, Y3
	VADDPD Y2, Y3, Y3           // v
	VROUNDPD $3, Y3, Y5         // t = trunc(v)
	VSUBPD Y5, Y3, Y6           // f = v-t
	VADDPD Y12, Y5, Y7          // t+1
	VCMPPD $13, Y11, Y6, Y0     // f >= 0.5 (GE_OS)
	VBLENDVPD Y0, Y7, Y5, Y5
	VSUBPD Y12, Y5, Y7          // t-1
	VCMPPD $2, Y10, Y6, Y0      // f <= -0.5 (LE_OS)
	VBLENDVPD Y0, Y7, Y5, Y5    // r = round(v)
	VCMPPD $9, Y8, Y5, Y0       // !(r >= lo) (NGE_US, true for NaN)
	VCMPPD $14, Y9, Y5, Y1      // r > hi (GT_OS)
	VBLENDVPD Y1, Y9, Y5, Y5
	VBLENDVPD Y0, Y8, Y5, Y5    // lo wins, as in "if !(r >= lo) ... else if r > hi"
	VMOVUPD Y5, (SI)(AX*8)
	ADDQ $4, AX
	JMP outloop
outdone:
	VZEROUPPER
	RET

// func prefetchRows(d []byte, o, st, n, w int)
// Prefetches the bytes [o + t*st, o + t*st + w) of d for t < n, w >= 1:
// every 64th byte and the last one (a range that does not start a cache
// line ends in one more). Prefetches never fault and do not hold up the
// instructions after them.
TEXT ·prefetchRows(SB), NOSPLIT, $0-56
	MOVQ d_base+0(FP), SI
	ADDQ o+24(FP), SI
	MOVQ st+32(FP), DX
	MOVQ n+40(FP), CX
	MOVQ w+48(FP), BX
	DECQ BX
	TESTQ CX, CX
	JLE pfdone
pfrow:
	XORQ AX, AX
pfline:
	PREFETCHT0 (SI)(AX*1)
	ADDQ $64, AX
	CMPQ AX, BX
	JLT pfline
	PREFETCHT0 (SI)(BX*1)
	ADDQ DX, SI
	DECQ CX
	JNZ pfrow
pfdone:
	RET

// func decodeU16LEAVX(dst []float64, src []byte)
// dst[j] = float64(little-endian uint16 at src[2*j:]), len(dst) a multiple
// of 4 and len(src) >= 2*len(dst).
TEXT ·decodeU16LEAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	XORQ AX, AX
decloop:
	CMPQ AX, CX
	JAE decdone
	VPMOVZXWD (SI)(AX*2), X0
	VCVTDQ2PD X0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
	JMP decloop
decdone:
	VZEROUPPER
	RET

// func encodeU16LEAVX(dst []byte, src []float64)
// dst[2*j:] = little-endian uint16(src[j]) for integers src[j] in
// [0, 65535], len(src) a multiple of 4 and len(dst) >= 2*len(src).
TEXT ·encodeU16LEAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	XORQ AX, AX
encloop:
	CMPQ AX, CX
	JAE encdone
	VCVTTPD2DQY (SI)(AX*8), X0
	VPACKUSDW X0, X0, X0
	VMOVQ X0, (DI)(AX*2)
	ADDQ $4, AX
	JMP encloop
encdone:
	VZEROUPPER
	RET
