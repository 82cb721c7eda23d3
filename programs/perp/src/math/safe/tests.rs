use super::*;

#[test]
fn each_op_names_its_failure() {
    assert_eq!(u64::MAX.safe_add(1), Err(PerpError::MathOverflow));
    assert_eq!(0u64.safe_sub(1), Err(PerpError::MathOverflow));
    assert_eq!(u64::MAX.safe_mul(2), Err(PerpError::MathOverflow));
    assert_eq!(1u64.safe_div(0), Err(PerpError::DivisionByZero));
    assert_eq!(i64::MIN.safe_div(-1), Err(PerpError::MathOverflow));
    assert_eq!(i64::MIN.safe_div(1), Ok(i64::MIN));
    assert_eq!((7i64).safe_div(-2), Ok(-3));
    assert_eq!((-7i64).safe_div(-2), Ok(3));
    assert_eq!(i64::MAX.safe_div(-1), Ok(-i64::MAX));
    assert_eq!(i64::MIN.safe_sub(1), Err(PerpError::MathOverflow));
    assert_eq!(7u64.safe_add(5), Ok(12));
    assert_eq!(7i64.safe_sub(9), Ok(-2));
    assert_eq!((-7i64).safe_div(2), Ok(-3));
}

#[test]
fn casts_are_checked() {
    assert_eq!(cast::<u64, u128>(u128::from(u64::MAX)), Ok(u64::MAX));
    assert_eq!(cast::<u64, u128>(u128::from(u64::MAX) + 1), Err(PerpError::CastOverflow));
    assert_eq!(cast::<i64, u64>(u64::MAX), Err(PerpError::CastOverflow));
    assert_eq!(cast::<u64, i64>(-1), Err(PerpError::CastOverflow));
    assert_eq!(cast::<i64, i128>(-5), Ok(-5));
}

proptest::proptest! {
    /// The unsigned-division i64 path agrees with the CPU's signed division everywhere.
    #[test]
    fn i64_division_matches_checked_div(a: i64, b: i64) {
        let expected = if b == 0 { Err(PerpError::DivisionByZero) } else { a.checked_div(b).ok_or(PerpError::MathOverflow) };
        proptest::prop_assert_eq!(a.safe_div(b), expected);
    }
}

#[test]
fn failures_keep_their_error_through_the_logging_path() {
    assert_eq!(u64::MAX.safe_add(1), Err(PerpError::MathOverflow));
    assert_eq!(0u64.safe_sub(1), Err(PerpError::MathOverflow));
    assert_eq!(1i64.safe_div(0), Err(PerpError::DivisionByZero));
    assert_eq!(i64::MIN.safe_div(-1), Err(PerpError::MathOverflow));
    assert_eq!(cast::<u8, u64>(256), Err(PerpError::CastOverflow));
    assert_eq!(fail(PerpError::ZeroAmount), PerpError::ZeroAmount);
}
