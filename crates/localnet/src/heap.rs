//! Heap bytes the program allocates in one instruction, measured natively. On chain the program's
//! allocator is a 32 KiB bump allocator that never frees, so what matters is the total allocated
//! during an instruction; natively the program runs inside this process, and this global
//! allocator counts the bytes allocated on the program's thread while `perp::entry` runs, except
//! inside the syscall stubs (logging, CPI), whose work the runtime does outside the program's
//! heap on chain. Vec growth counts every new block (a bump allocator never reuses the old one).
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counting allocator (the process's global allocator wherever this crate is linked).
pub struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

/// The most bytes one program instruction allocated since the last `take_peak`.
static PEAK: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counting touches only const-
// initialized thread-locals, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A bump allocator moves a grown block: the new size is allocated again.
        count(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count(size: usize) {
    if COUNTING.with(Cell::get) {
        BYTES.with(|b| b.set(b.get().saturating_add(size as u64)));
    }
}

/// Runs one program instruction, counting what it allocates, and records the peak.
pub fn measure<R>(instruction: impl FnOnce() -> R) -> R {
    let outer = COUNTING.with(|c| c.replace(true));
    let before = BYTES.with(Cell::get);
    let result = instruction();
    let used = BYTES.with(Cell::get).saturating_sub(before);
    COUNTING.with(|c| c.set(outer));
    if !outer {
        PEAK.fetch_max(used, Ordering::Relaxed);
    }
    result
}

/// Runs the runtime's side of a syscall without counting its allocations.
pub fn outside_program<R>(syscall: impl FnOnce() -> R) -> R {
    let was = COUNTING.with(|c| c.replace(false));
    let result = syscall();
    COUNTING.with(|c| c.set(was));
    result
}

/// The most bytes one program instruction allocated since the last call (0 when none ran
/// natively, e.g. on the SBF build).
pub fn take_peak() -> u64 {
    PEAK.swap(0, Ordering::Relaxed)
}
