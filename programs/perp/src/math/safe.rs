//! Checked arithmetic that names its failure: every op returns a specific `PerpError`.
use crate::error::{PerpError, PerpResult};

/// Checked add/sub/mul/div returning `PerpError` instead of `None`.
pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> PerpResult<Self>;
    fn safe_sub(self, rhs: Self) -> PerpResult<Self>;
    fn safe_mul(self, rhs: Self) -> PerpResult<Self>;
    fn safe_div(self, rhs: Self) -> PerpResult<Self>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl_safe_math!(@ops $t, fn safe_div(self, rhs: Self) -> PerpResult<Self> {
            if rhs == 0 {
                return Err(PerpError::DivisionByZero);
            }
            self.checked_div(rhs).ok_or(PerpError::MathOverflow)
        });
    )*};
    (@ops $t:ty, $div:item) => {
        impl SafeMath for $t {
            #[inline]
            fn safe_add(self, rhs: Self) -> PerpResult<Self> {
                self.checked_add(rhs).ok_or(PerpError::MathOverflow)
            }
            #[inline]
            fn safe_sub(self, rhs: Self) -> PerpResult<Self> {
                self.checked_sub(rhs).ok_or(PerpError::MathOverflow)
            }
            #[inline]
            fn safe_mul(self, rhs: Self) -> PerpResult<Self> {
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
impl_safe_math!(@ops i64, fn safe_div(self, rhs: Self) -> PerpResult<Self> {
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
pub fn cast<T: TryFrom<U>, U>(value: U) -> PerpResult<T> {
    T::try_from(value).map_err(|_| PerpError::CastOverflow)
}

#[cfg(test)]
mod tests;
