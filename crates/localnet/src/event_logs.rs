//! Program events under the native runtimes. A program built for SBF emits `emit!` events with
//! the `sol_log_data` syscall, which the runtime logs as `Program data: <base64>`. Run natively,
//! the same call goes to solana-program-test's syscall stubs, which do not implement it (the
//! default prints to stdout and the transaction logs stay empty). This wraps program-test's stubs
//! and logs event data through the transaction's log collector instead, as
//! `Program log: data: <base64>` (`perp_client::events` reads both forms).
use std::sync::Once;

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use solana_sysvar::program_stubs::{set_syscall_stubs, SyscallStubs};

use crate::heap;

/// Delegates every syscall stub to program-test's, except `sol_log_data`.
struct EventLoggingStubs {
    inner: Box<dyn SyscallStubs>,
}

/// Wraps the process's syscall stubs once. Call after the first program-test bank has started
/// (it installs its stubs then, once per process).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let placeholder: Box<dyn SyscallStubs> = Box::new(EventLoggingStubs { inner: Box::new(NoStubs) });
        let inner = set_syscall_stubs(placeholder);
        set_syscall_stubs(Box::new(EventLoggingStubs { inner }));
    });
}

/// Stands in for a moment while the real stubs are swapped out.
struct NoStubs;
impl SyscallStubs for NoStubs {}

impl SyscallStubs for EventLoggingStubs {
    // The runtime's side of a syscall allocates outside the program's heap on chain: its
    // allocations here are not the program's (`heap::outside_program`).
    fn sol_log_data(&self, fields: &[&[u8]]) {
        heap::outside_program(|| {
            let encoded: Vec<String> =
                fields.iter().map(|f| base64::engine::general_purpose::STANDARD.encode(f)).collect();
            self.inner.sol_log(&format!("data: {}", encoded.join(" ")));
        })
    }
    fn sol_log(&self, message: &str) {
        heap::outside_program(|| self.inner.sol_log(message))
    }
    fn sol_log_compute_units(&self) {
        self.inner.sol_log_compute_units()
    }
    fn sol_remaining_compute_units(&self) -> u64 {
        self.inner.sol_remaining_compute_units()
    }
    fn sol_invoke_signed(
        &self,
        instruction: &Instruction,
        account_infos: &[AccountInfo],
        seeds: &[&[&[u8]]],
    ) -> ProgramResult {
        heap::outside_program(|| self.inner.sol_invoke_signed(instruction, account_infos, seeds))
    }
    fn sol_get_sysvar(&self, sysvar_id_addr: *const u8, var_addr: *mut u8, offset: u64, length: u64) -> u64 {
        self.inner.sol_get_sysvar(sysvar_id_addr, var_addr, offset, length)
    }
    fn sol_get_clock_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_clock_sysvar(var_addr)
    }
    fn sol_get_epoch_schedule_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_epoch_schedule_sysvar(var_addr)
    }
    fn sol_get_fees_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_fees_sysvar(var_addr)
    }
    fn sol_get_rent_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_rent_sysvar(var_addr)
    }
    fn sol_get_epoch_rewards_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_epoch_rewards_sysvar(var_addr)
    }
    fn sol_get_last_restart_slot(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_last_restart_slot(var_addr)
    }
    fn sol_get_epoch_stake(&self, vote_address: *const u8) -> u64 {
        self.inner.sol_get_epoch_stake(vote_address)
    }
    unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: forwarded unchanged; the caller upholds the stub's contract.
        unsafe { self.inner.sol_memcpy(dst, src, n) }
    }
    unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: forwarded unchanged; the caller upholds the stub's contract.
        unsafe { self.inner.sol_memmove(dst, src, n) }
    }
    unsafe fn sol_memcmp(&self, s1: *const u8, s2: *const u8, n: usize, result: *mut i32) {
        // SAFETY: forwarded unchanged; the caller upholds the stub's contract.
        unsafe { self.inner.sol_memcmp(s1, s2, n, result) }
    }
    unsafe fn sol_memset(&self, s: *mut u8, c: u8, n: usize) {
        // SAFETY: forwarded unchanged; the caller upholds the stub's contract.
        unsafe { self.inner.sol_memset(s, c, n) }
    }
    fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
        self.inner.sol_get_return_data()
    }
    fn sol_set_return_data(&self, data: &[u8]) {
        self.inner.sol_set_return_data(data)
    }
    fn sol_get_processed_sibling_instruction(&self, index: usize) -> Option<Instruction> {
        self.inner.sol_get_processed_sibling_instruction(index)
    }
    fn sol_get_stack_height(&self) -> u64 {
        self.inner.sol_get_stack_height()
    }
}
