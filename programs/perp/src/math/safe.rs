//! Checked arithmetic that names its failure: every op returns a specific `PerpError`.
use crate::error::PerpError;

/// Checked add/sub/mul/div returning `PerpError` instead of `None`.
pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> Result<Self, PerpError>;
    fn safe_sub(self, rhs: Self) -> Result<Self, PerpError>;
    fn safe_mul(self, rhs: Self) -> Result<Self, PerpError>;
    fn safe_div(self, rhs: Self) -> Result<Self, PerpError>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl_safe_math!(@ops $t, fn safe_div(self, rhs: Self) -> Result<Self, PerpError> {
            if rhs == 0 {
                return Err(PerpError::DivisionByZero);
            }
            self.checked_div(rhs).ok_or(PerpError::MathOverflow)
        });
    )*};
    (@ops $t:ty, $div:item) => {
        impl SafeMath for $t {
            #[inline]
            fn safe_add(self, rhs: Self) -> Result<Self, PerpError> {
                self.checked_add(rhs).ok_or(PerpError::MathOverflow)
            }
            #[inline]
            fn safe_sub(self, rhs: Self) -> Result<Self, PerpError> {
                self.checked_sub(rhs).ok_or(PerpError::MathOverflow)
            }
            #[inline]
            fn safe_mul(self, rhs: Self) -> Result<Self, PerpError> {
                self.checked_mul(rhs).ok_or(PerpError::MathOverflow)
            }
            #[inline]
            $div
        }
    };
}

impl_safe_math!(u16, u32, u64, u128, i128);

// i64 division through unsigned division: SBPF v0 has no signed division instruction (LLVM's BPF
// backend rejects `sdiv`), while i128 division goes to a library call. Truncates toward zero,
// like `checked_div`.
impl_safe_math!(@ops i64, fn safe_div(self, rhs: Self) -> Result<Self, PerpError> {
    if rhs == 0 {
        return Err(PerpError::DivisionByZero);
    }
    let quotient = self.unsigned_abs() / rhs.unsigned_abs();
    if (self < 0) != (rhs < 0) {
        0i64.checked_sub_unsigned(quotient).ok_or(PerpError::MathOverflow)
    } else {
        cast(quotient).map_err(|_| PerpError::MathOverflow)
    }
});

/// Checked integer conversion: `CastOverflow` when the value does not fit.
#[inline]
pub fn cast<T: TryFrom<U>, U>(value: U) -> Result<T, PerpError> {
    T::try_from(value).map_err(|_| PerpError::CastOverflow)
}

#[cfg(test)]
mod tests {
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
}
