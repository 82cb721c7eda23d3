//! Checked arithmetic that names its failure: every op returns a specific `PerpError`, and on
//! the failure path only logs where it happened (the caller's file and line, through
//! `#[track_caller]`), as Drift's `SafeMath` does.
use crate::error::{PerpError, PerpResult};

/// Logs `error` with the location of the caller's caller chain (`#[track_caller]`), returns it.
#[cold]
#[inline(never)]
#[track_caller]
pub fn fail(error: PerpError) -> PerpError {
    let at = core::panic::Location::caller();
    anchor_lang::solana_program::msg!("{:?} at {}:{}", error, at.file(), at.line());
    error
}

/// Checked add/sub/mul/div returning `PerpError` instead of `None`.
pub trait SafeMath: Sized {
    #[track_caller]
    fn safe_add(self, rhs: Self) -> PerpResult<Self>;
    #[track_caller]
    fn safe_sub(self, rhs: Self) -> PerpResult<Self>;
    #[track_caller]
    fn safe_mul(self, rhs: Self) -> PerpResult<Self>;
    #[track_caller]
    fn safe_div(self, rhs: Self) -> PerpResult<Self>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl_safe_math!(@ops $t, fn safe_div(self, rhs: Self) -> PerpResult<Self> {
            if rhs == 0 {
                return Err(fail(PerpError::DivisionByZero));
            }
            match self.checked_div(rhs) {
                Some(v) => Ok(v),
                None => Err(fail(PerpError::MathOverflow)),
            }
        });
    )*};
    (@ops $t:ty, $div:item) => {
        impl SafeMath for $t {
            #[inline]
            fn safe_add(self, rhs: Self) -> PerpResult<Self> {
                match self.checked_add(rhs) {
                    Some(v) => Ok(v),
                    None => Err(fail(PerpError::MathOverflow)),
                }
            }
            #[inline]
            fn safe_sub(self, rhs: Self) -> PerpResult<Self> {
                match self.checked_sub(rhs) {
                    Some(v) => Ok(v),
                    None => Err(fail(PerpError::MathOverflow)),
                }
            }
            #[inline]
            fn safe_mul(self, rhs: Self) -> PerpResult<Self> {
                match self.checked_mul(rhs) {
                    Some(v) => Ok(v),
                    None => Err(fail(PerpError::MathOverflow)),
                }
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
        return Err(fail(PerpError::DivisionByZero));
    }
    let quotient = self.unsigned_abs() / rhs.unsigned_abs();
    let value = if (self < 0) != (rhs < 0) { 0i64.checked_sub_unsigned(quotient) } else { i64::try_from(quotient).ok() };
    match value {
        Some(v) => Ok(v),
        None => Err(fail(PerpError::MathOverflow)),
    }
});

/// Checked integer conversion: `CastOverflow` when the value does not fit (logged with the
/// caller's location).
#[inline]
#[track_caller]
pub fn cast<T: TryFrom<U>, U>(value: U) -> PerpResult<T> {
    match T::try_from(value) {
        Ok(v) => Ok(v),
        Err(_) => Err(fail(PerpError::CastOverflow)),
    }
}

#[cfg(test)]
mod tests;
