//! i128 libcalls for upstream LLVM 23 BPF codegen (SBPF via sbpf-linker).
//!
//! LLVM 23's BPF backend (llvm-project PR #190894, "bpf: Support aggregate returns") lowers i128
//! `mul`/`udiv`/`urem`/`sdiv`/`srem` (and `llvm.umul.with.overflow.i64`, i.e. every overflow-checked
//! u64 `*`) to calls of `__multi3`, `__udivti3`, `__umodti3`, `__divti3`, `__modti3` with:
//!   * each i128 argument split into two i64 registers, low half first:
//!     a = (r1 lo, r2 hi), b = (r3 lo, r4 hi);
//!   * the i128 result in r0 (low half) and r2 (high half).
//!
//! rustc's `extern "C"`/Rust ABI for bpf passes and returns i128 indirectly (sret in r1, pointer
//! arguments), which is what compiler_builtins and solana-compiler-builtins 0.3.0 are compiled
//! with here, so their versions read/write through the wrong registers.
//! `extern "unadjusted"` hands the LLVM types (i128) to the backend unchanged, so these definitions
//! get exactly the backend's own libcall convention.
//!
//! The bodies use only u64 multiplication/division (native BPF ops) plus i128 shifts, compares,
//! add/sub and bit ops, which LLVM expands inline, so they never call back into themselves.
#![no_std]
#![cfg_attr(target_arch = "bpf", feature(abi_unadjusted))]
#![allow(internal_features)]

const M32: u64 = 0xffff_ffff;

/// Full 64x64 -> 128 product from 32-bit halves (no i128 mul, which would be a libcall).
#[inline(always)]
pub fn mul64(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1) = (a & M32, a >> 32);
    let (b0, b1) = (b & M32, b >> 32);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Sums below cannot overflow (each term < 2^32, resp. the high half of a u128 product).
    let mid = (p00 >> 32).wrapping_add(p01 & M32).wrapping_add(p10 & M32);
    let lo = (p00 & M32) | (mid << 32);
    let hi = p11.wrapping_add(p01 >> 32).wrapping_add(p10 >> 32).wrapping_add(mid >> 32);
    (lo, hi)
}

#[inline(always)]
fn split(x: u128) -> (u64, u64) {
    (x as u64, (x >> 64) as u64)
}

#[inline(always)]
fn join(lo: u64, hi: u64) -> u128 {
    (lo as u128) | ((hi as u128) << 64)
}

/// Wrapping 128x128 -> 128 product.
#[inline(always)]
pub fn mul128(a: u128, b: u128) -> u128 {
    let (al, ah) = split(a);
    let (bl, bh) = split(b);
    let (lo, hi) = mul64(al, bl);
    let hi = hi.wrapping_add(al.wrapping_mul(bh)).wrapping_add(ah.wrapping_mul(bl));
    join(lo, hi)
}

/// Unsigned 128-bit division with remainder (d != 0; callers check, as Rust does before dividing).
#[inline(never)]
pub fn udivmod128(n: u128, d: u128) -> (u128, u128) {
    let (nl, nh) = split(n);
    let (dl, dh) = split(d);
    if dh == 0 {
        if dl == 0 {
            // Unreachable from Rust (division by zero is checked before the libcall).
            return (0, n);
        }
        if nh == 0 {
            return ((nl / dl) as u128, (nl % dl) as u128);
        }
        if dl <= M32 {
            // Four 32-bit digits; every partial dividend is < dl << 32 <= 2^64.
            let mut r = 0u64;
            let mut q = [0u64; 4];
            let digits = [nh >> 32, nh & M32, nl >> 32, nl & M32];
            let mut i = 0;
            while i < 4 {
                let cur = (r << 32) | digits[i];
                q[i] = cur / dl;
                r = cur % dl;
                i += 1;
            }
            return (join((q[2] << 32) | q[3], (q[0] << 32) | q[1]), r as u128);
        }
    }
    if n < d {
        return (0, n);
    }
    // Shift-subtract, starting at the divisor's alignment with the dividend.
    // No overflow-checked ops in here (the libcall must not panic): shift < 128, r >= d.
    let shift = d.leading_zeros().wrapping_sub(n.leading_zeros());
    let mut d = d.wrapping_shl(shift);
    let mut r = n;
    let mut q: u128 = 0;
    let mut i = 0;
    while i <= shift {
        q <<= 1;
        if r >= d {
            r = r.wrapping_sub(d);
            q |= 1;
        }
        d >>= 1;
        i = i.wrapping_add(1);
    }
    (q, r)
}

#[inline(always)]
fn uabs(x: i128) -> u128 {
    if x < 0 {
        (x as u128).wrapping_neg()
    } else {
        x as u128
    }
}

pub fn sdiv128(a: i128, b: i128) -> i128 {
    let (q, _) = udivmod128(uabs(a), uabs(b));
    if (a < 0) != (b < 0) {
        (q as i128).wrapping_neg()
    } else {
        q as i128
    }
}

pub fn srem128(a: i128, b: i128) -> i128 {
    let (_, r) = udivmod128(uabs(a), uabs(b));
    if a < 0 {
        (r as i128).wrapping_neg()
    } else {
        r as i128
    }
}

#[cfg(target_arch = "bpf")]
mod libcalls {
    #[unsafe(no_mangle)]
    pub extern "unadjusted" fn __multi3(a: i128, b: i128) -> i128 {
        super::mul128(a as u128, b as u128) as i128
    }

    #[unsafe(no_mangle)]
    pub extern "unadjusted" fn __udivti3(a: u128, b: u128) -> u128 {
        super::udivmod128(a, b).0
    }

    #[unsafe(no_mangle)]
    pub extern "unadjusted" fn __umodti3(a: u128, b: u128) -> u128 {
        super::udivmod128(a, b).1
    }

    #[unsafe(no_mangle)]
    pub extern "unadjusted" fn __divti3(a: i128, b: i128) -> i128 {
        super::sdiv128(a, b)
    }

    #[unsafe(no_mangle)]
    pub extern "unadjusted" fn __modti3(a: i128, b: i128) -> i128 {
        super::srem128(a, b)
    }
}
