//! Matching a failed transaction against the error it should have failed with.
use perp::error::PerpError;
use solana_program_test::BanksClientError;
use solana_sdk::instruction::InstructionError;
use solana_sdk::transaction::TransactionError;

/// The custom error code of a failed transaction, if it failed with one.
pub fn custom_code(result: &Result<(), BanksClientError>) -> Option<u32> {
    match result.as_ref().err()?.unwrap() {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(code),
        _ => None,
    }
}

/// Panics unless `result` failed with the program error `expected`.
#[track_caller]
pub fn assert_perp_error(result: Result<(), BanksClientError>, expected: PerpError) {
    let code = custom_code(&result);
    assert_eq!(code, Some(u32::from(expected)), "expected {expected:?} ({}), got {result:?}", u32::from(expected));
}

/// Panics unless `result` failed with Anchor's framework error `expected` (account checks).
#[track_caller]
pub fn assert_anchor_error(result: Result<(), BanksClientError>, expected: anchor_lang::error::ErrorCode) {
    let code = custom_code(&result);
    assert_eq!(code, Some(expected as u32), "expected {expected:?}, got {result:?}");
}
