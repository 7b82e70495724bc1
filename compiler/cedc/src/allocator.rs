//! The process's allocator: mimalloc, asked by alignment.
//!
//! The `mimalloc` crate's allocator calls mimalloc's `_aligned` entry points for every
//! allocation; their checks and generic path cost `check` of platform-1,000 about 3% of
//! its instructions (773 → 752 M without them, docs/performance.md). Almost every
//! allocation the compiler makes needs no more than a word's alignment, which mimalloc's
//! plain calls give; larger alignments go through the `_aligned` calls.
//!
//! Invariant: a block is made, grown and zeroed by the call family its layout's
//! alignment selects, and it is freed by `mi_free`, which frees blocks of either family.
//! This file is the one definition: `memory.rs` installs it in `cedc` (and tests it),
//! and the language server's benchmark includes it (`compiler/lsp/benches/recheck.rs`)
//! so that it measures the allocator `cedc lsp` runs with.

/// Every block mimalloc hands out is aligned to at least this (its machine word), so
/// an allocation asking no more is made by its plain `mi_malloc` family.
const WORD: usize = std::mem::size_of::<usize>();

/// Whether `layout` is served by the plain calls.
fn plain(layout: std::alloc::Layout) -> bool {
    layout.align() <= WORD
}

/// mimalloc, asked by alignment (see the module's doc).
pub struct Allocator;

// SAFETY: each method hands the request to mimalloc, which returns blocks of at least
// the size asked, aligned to at least `WORD` (plain calls, used only when the layout
// asks no more) or to the layout's alignment (`_aligned` calls); blocks are freed and
// grown by the calls made for the same layout's alignment, and `mi_free` frees a block
// from either family.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: see the impl's comment.
        unsafe {
            if plain(layout) {
                libmimalloc_sys::mi_malloc(layout.size()).cast()
            } else {
                libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: see the impl's comment.
        unsafe {
            if plain(layout) {
                libmimalloc_sys::mi_zalloc(layout.size()).cast()
            } else {
                libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: see the impl's comment.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl's comment.
        unsafe {
            if plain(layout) {
                libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
            } else {
                libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}
