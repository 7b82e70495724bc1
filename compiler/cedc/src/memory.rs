//! The process's allocator and how it gives memory back.
//!
//! mimalloc rather than the system allocator: evaluation makes and drops many small
//! records on both cores, where glibc's per-thread arenas grew by `mprotect` and spent
//! about a sixth of a build in malloc and free (docs/performance.md). Left as it comes,
//! mimalloc keeps freed memory resident for a while (its purge delay) in case it is
//! asked for again; a compilation frees most of what a stage made when the stage ends
//! (evaluation's interner, the checks' indexes), so that memory was still counted at
//! the next stage's peak. [`configure`] shortens the delay and [`return_freed`] returns
//! what a stage freed at once: peak memory of `check` at platform-5,000 about 125 →
//! 112 MiB, the time unchanged (docs/performance.md).
//!
//! Invariant: only allocator settings live here; nothing in the compiler depends on
//! which allocator runs (the library crates and tests use whatever their binary has).

#[global_allocator]
static ALLOCATOR: crate::allocator::Allocator = crate::allocator::Allocator;

/// mimalloc's options by their index in its `mi_option_e` (the bindings name neither):
/// how long freed memory stays before it is returned to the system, in milliseconds,
/// and the multiplier of that delay for whole arenas. The tests below check each index
/// is the option its environment variable sets.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const ARENA_PURGE_MULT: libmimalloc_sys::mi_option_t = 24;

/// Freed memory returned after 10 ms (mimalloc's default is a second, ten for whole
/// arenas): long enough to reuse what a loop frees and makes again, short enough that a
/// finished stage's memory is gone before the next one peaks. `build` returns it at once
/// (`at_once`): it peaks while its emitter holds the whole tree and its index, and the
/// delay's memory then counts there (at platform-5,000 about 2.5 MB of its peak, over
/// the 100 MB the project allows; returning at once costs `check` about 5% of its time,
/// so only `build` does). Set first thing in `main`, unless the user set it through
/// mimalloc's own environment variables.
pub fn configure(at_once: bool) {
    let delay = if at_once { 0 } else { 10 };
    for (option, variable, value) in
        [(PURGE_DELAY, "MIMALLOC_PURGE_DELAY", delay), (ARENA_PURGE_MULT, "MIMALLOC_ARENA_PURGE_MULT", 1)]
    {
        if std::env::var_os(variable).is_none() {
            // SAFETY: sets one of mimalloc's integer options; takes no pointer and may be
            // called at any time from any thread.
            unsafe { libmimalloc_sys::mi_option_set(option, value) }
        }
    }
}

/// Return what the program has freed to the system now: called between the stages of a
/// compilation ([`cedc::Options::between_stages`]).
pub fn return_freed() {
    // SAFETY: `mi_collect` takes no pointer and may be called from any thread at any
    // time; it only returns memory the program already freed.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocator::Allocator;
    use std::alloc::{GlobalAlloc, Layout};

    /// Every alignment from a byte to a page, with sizes below, at and above it: each
    /// block is aligned as asked, holds what is written, keeps it when grown and shrunk
    /// (across the word boundary of the two call families too), and a zeroed one is
    /// zero. Fails when a call of the plain family serves an alignment it does not give.
    #[test]
    fn blocks_are_aligned_sized_and_kept_as_asked() {
        let a = Allocator;
        for align in (0..=12).map(|p| 1usize << p) {
            for size in [1, 3, 8, 12, 24, 40, align.saturating_sub(1).max(1), align, align + 8, 3 * align, 5000] {
                let Ok(layout) = Layout::from_size_align(size, align) else { continue };
                // SAFETY: non-zero sizes; each block is used within its size, then freed
                // with the layout it was made (or last grown) with.
                unsafe {
                    let zeroed = a.alloc_zeroed(layout);
                    assert!(!zeroed.is_null() && (zeroed as usize).is_multiple_of(align), "zeroed {size} by {align}");
                    assert!((0..size).all(|i| *zeroed.add(i) == 0), "zeroed {size} by {align}");
                    a.dealloc(zeroed, layout);
                    let block = a.alloc(layout);
                    assert!(!block.is_null() && (block as usize).is_multiple_of(align), "{size} by {align}");
                    for i in 0..size {
                        *block.add(i) = (i % 251) as u8;
                    }
                    let grown = a.realloc(block, layout, size * 3);
                    assert!(!grown.is_null() && (grown as usize).is_multiple_of(align), "grown {size} by {align}");
                    assert!((0..size).all(|i| *grown.add(i) == (i % 251) as u8), "grown {size} by {align}");
                    let big = Layout::from_size_align_unchecked(size * 3, align);
                    let shrunk = a.realloc(grown, big, size);
                    assert!(!shrunk.is_null() && (shrunk as usize).is_multiple_of(align), "shrunk {size} by {align}");
                    assert!((0..size).all(|i| *shrunk.add(i) == (i % 251) as u8), "shrunk {size} by {align}");
                    a.dealloc(shrunk, layout);
                }
            }
        }
    }

    /// Set by [`option_indexes_are_the_options_their_variables_set`] for the copy of the
    /// test binary it runs.
    const CHILD: &str = "CEDC_TEST_MIMALLOC_CHILD";

    /// In the copy of the test binary started below, with mimalloc's variables set
    /// before it started: each index reads the value of its own variable.
    #[test]
    #[ignore = "run by option_indexes_are_the_options_their_variables_set, in a process started with mimalloc's variables set"]
    fn reads_the_variables_set_at_start() {
        assert!(std::env::var_os(CHILD).is_some(), "run by option_indexes_are_the_options_their_variables_set");
        // SAFETY: reads an integer option.
        let got = |o| unsafe { libmimalloc_sys::mi_option_get(o) };
        assert_eq!(got(PURGE_DELAY), 37, "index {PURGE_DELAY} is not mimalloc's purge delay");
        assert_eq!(got(ARENA_PURGE_MULT), 3, "index {ARENA_PURGE_MULT} is not mimalloc's arena purge multiplier");
    }

    #[test]
    fn option_indexes_are_the_options_their_variables_set() {
        let exe = std::env::current_exe().expect("the test binary's path");
        let out = std::process::Command::new(exe)
            .args(["--exact", "memory::tests::reads_the_variables_set_at_start", "--ignored", "--test-threads=1"])
            .env(CHILD, "1")
            .env("MIMALLOC_PURGE_DELAY", "37")
            .env("MIMALLOC_ARENA_PURGE_MULT", "3")
            .output()
            .expect("run the test binary again");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
    }
}
