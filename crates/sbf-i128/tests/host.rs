use sbf_i128::*;
fn rng(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}
fn pick(s: &mut u64) -> u128 {
    let a = rng(s) as u128 | ((rng(s) as u128) << 64);
    match rng(s) % 6 {
        0 => a,
        1 => a >> (rng(s) % 128),
        2 => (rng(s) % 5) as u128,
        3 => a & 0xffff_ffff,
        4 => u128::MAX - (rng(s) % 3) as u128,
        _ => rng(s) as u128,
    }
}
#[test]
fn matches_native() {
    let mut s = 0x1234_5678_9abc_def1u64;
    for _ in 0..2_000_000 {
        let (a, b) = (pick(&mut s), pick(&mut s));
        assert_eq!(mul64(a as u64, b as u64), {
            let p = (a as u64 as u128) * (b as u64 as u128);
            (p as u64, (p >> 64) as u64)
        });
        assert_eq!(mul128(a, b), a.wrapping_mul(b));
        if b != 0 {
            assert_eq!(udivmod128(a, b), (a / b, a % b), "{a} {b}");
            let (x, y) = (a as i128, b as i128);
            assert_eq!(sdiv128(x, y), x.wrapping_div(y), "{x} {y}");
            assert_eq!(srem128(x, y), x.wrapping_rem(y), "{x} {y}");
        }
    }
}
