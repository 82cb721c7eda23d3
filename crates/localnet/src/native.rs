//! The program as a native builtin: the one registration the in-process bank and the real
//! validator share.
use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_program_test::{processor, ProgramTest};

/// Program name under which program-test looks for `perp.so` in SBF_OUT_DIR / BPF_OUT_DIR.
pub const PROGRAM_NAME: &str = "perp";

/// An Anchor program's generated `entry`.
pub type AnchorEntry = for<'info> fn(&'info Pubkey, &'info [AccountInfo<'info>], &'info [u8]) -> ProgramResult;

/// Calls an Anchor program's generated `entry` with program-test's builtin signature (for
/// `processor!`: perp's here, an integrator's in its tests).
///
/// Anchor's `entry` ties the lifetime of the account slice to the lifetime of the accounts inside
/// it (`&'info [AccountInfo<'info>]`); program-test's builtin signature does not. The accounts
/// outlive the call, so shortening the slice's lifetime is sound; this `unsafe` (with the
/// counting allocator's) only ever runs in native (test and localnet) builds.
pub fn call_anchor_entry(
    entry: AnchorEntry,
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    // SAFETY: only lifetimes change; the slice and its accounts are valid for the whole call.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    entry(program_id, accounts, data)
}

/// Calls `perp::entry`, counting what the instruction allocates (`heap`).
fn perp_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    crate::heap::measure(|| call_anchor_entry(perp::entry, program_id, accounts, data))
}

/// The program as a builtin function for Agave's runtime.
#[cfg(feature = "validator")]
pub fn builtin_function() -> solana_program_runtime::invoke_context::BuiltinFunctionWithContext {
    let function: Option<solana_program_runtime::invoke_context::BuiltinFunctionWithContext> = processor!(perp_entry);
    // `processor!` always yields `Some`; `Option` is only its calling convention.
    function.unwrap_or_else(|| unreachable!("processor! returns Some"))
}

/// Starts a program-test bank with the program registered (see `program_test`) and makes the
/// program's events reach the transaction logs under the native runtime.
pub async fn start_bank() -> solana_program_test::ProgramTestContext {
    start_bank_of(program_test()).await
}

/// As `start_bank`, from a `program_test()` the caller added programs to (an integrator calling
/// perp by CPI: `add_program` honours the same SBF switch, loading `<name>.so` from SBF_OUT_DIR).
pub async fn start_bank_of(test: ProgramTest) -> solana_program_test::ProgramTestContext {
    let ctx = test.start_with_context().await;
    crate::event_logs::install();
    ctx
}

/// A `ProgramTest` with the program registered. It runs natively unless SBF_OUT_DIR or
/// BPF_OUT_DIR is set, in which case program-test prefers and loads `perp.so` from there (the
/// one switch between the native and the SBF runs of the same tests).
pub fn program_test() -> ProgramTest {
    let mut test = ProgramTest::new(PROGRAM_NAME, perp::ID, processor!(perp_entry));
    test.prefer_bpf(sbf_program_dir().is_some());
    test
}

/// The directory holding `perp.so` when SBF_OUT_DIR (or BPF_OUT_DIR) is set; `None` runs natively.
pub fn sbf_program_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("SBF_OUT_DIR").or_else(|| std::env::var_os("BPF_OUT_DIR"))?;
    Some(std::path::PathBuf::from(dir))
}
