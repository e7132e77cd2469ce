//! A tiny global allocator for the WebAssembly module, replacing dlmalloc (about 11 KB of
//! code). Every request is rounded up to a power of two; each size class keeps a free list
//! threaded through its freed blocks, and new blocks are bump-allocated from pages obtained
//! with `memory.grow`. The price: up to 2x internal fragmentation and no coalescing, which
//! is fine for short plan calls; wasm memory can never shrink anyway.
//!
//! The bookkeeping (`Heap`) is generic over where pages come from, so native unit tests
//! drive it with a buffer; only `SizeClasses` and the `memory.grow` call are wasm32-only.

// Natively only the tests use the heap.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use core::ptr::{self, null_mut};

/// WebAssembly page size: the unit of `memory.grow`, and the largest alignment honoured.
const PAGE: usize = 65536;
/// The smallest block: a freed block must hold the free-list link (8 bytes natively).
const MIN_BLOCK: usize = 8;
/// One free list per power of two representable in a `usize`.
const CLASSES: usize = usize::BITS as usize;

/// Where fresh pages come from: `memory.grow` on wasm, a buffer in the tests.
///
/// # Safety
/// `grow(pages)` returns null, or the start of `pages * PAGE` writable bytes, aligned to
/// `PAGE`, that nothing else will ever use.
pub(crate) unsafe trait Grow {
    fn grow(&mut self, pages: usize) -> *mut u8;
}

/// The allocator state; not thread-safe (callers guarantee exclusive access).
pub(crate) struct Heap<G> {
    /// `free[k]`: the free blocks of 2^k bytes, each starting with a pointer to the next.
    free: [*mut u8; CLASSES],
    /// The bump region `[next, next + remaining)`. A length rather than an end pointer,
    /// because on wasm32 the end of a full 4 GiB memory is not a representable address.
    next: *mut u8,
    remaining: usize,
    grow: G,
}

/// The block serving `size` bytes at `align`: the smallest power of two covering both.
/// Blocks are placed at multiples of `min(block, PAGE)`, so any `align <= PAGE` holds.
/// `None` for larger alignments (unsupported) or a size past the largest power of two.
fn block_size(size: usize, align: usize) -> Option<usize> {
    if align > PAGE {
        return None;
    }
    size.max(align).max(MIN_BLOCK).checked_next_power_of_two()
}

impl<G> Heap<G> {
    pub(crate) const fn new(grow: G) -> Self {
        Heap { free: [null_mut(); CLASSES], next: null_mut(), remaining: 0, grow }
    }
}

impl<G: Grow> Heap<G> {
    /// Null when the size or alignment is unsupported or memory cannot grow.
    pub(crate) fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        let Some(block) = block_size(size, align) else {
            return null_mut();
        };
        // `get_mut` rather than indexing: no panic path in the module.
        if let Some(head) = self.free.get_mut(block.trailing_zeros() as usize)
            && !head.is_null()
        {
            let taken = *head;
            // SAFETY: every block on a free list starts with the link written by `push`.
            *head = unsafe { taken.cast::<*mut u8>().read() };
            return taken;
        }
        self.bump(block)
    }

    /// # Safety
    /// `ptr` was returned by this heap for `size` and `align` and is not used afterwards.
    pub(crate) unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        if let Some(block) = block_size(size, align) {
            // SAFETY: the caller hands the whole block back.
            unsafe { self.push(ptr, block) }
        }
    }

    /// # Safety
    /// As `dealloc` for `ptr`, `size` and `align`; on success the old pointer is dead.
    pub(crate) unsafe fn realloc(
        &mut self,
        ptr: *mut u8,
        size: usize,
        align: usize,
        new_size: usize,
    ) -> *mut u8 {
        // Same class, same block: growing a Vec within its power of two costs nothing.
        if block_size(size, align) == block_size(new_size, align) {
            return ptr;
        }
        let new = self.alloc(new_size, align);
        if !new.is_null() {
            // SAFETY: both blocks are live, distinct, and at least this long.
            unsafe {
                ptr::copy_nonoverlapping(ptr, new, size.min(new_size));
                self.dealloc(ptr, size, align);
            }
        }
        new
    }

    /// Carves a fresh block (a power of two) from the bump region, growing memory if needed.
    fn bump(&mut self, block: usize) -> *mut u8 {
        let align = block.min(PAGE);
        loop {
            let pad = self.next.addr().wrapping_neg() & (align - 1);
            let need = pad.saturating_add(block);
            if need <= self.remaining {
                let start = self.next.wrapping_add(pad);
                // SAFETY: the padding is ours and unused; give it to the smaller classes.
                unsafe { self.release(self.next, pad) };
                self.next = start.wrapping_add(block);
                self.remaining -= need;
                return start;
            }
            // At least one page (need > remaining); an impossible count makes grow fail.
            let pages = (need - self.remaining).div_ceil(PAGE);
            let fresh = self.grow.grow(pages);
            if fresh.is_null() {
                return null_mut();
            }
            let bytes = pages.wrapping_mul(PAGE);
            if fresh == self.next.wrapping_add(self.remaining) {
                // The usual case: memory.grow extends the region we are carving.
                self.remaining += bytes;
            } else {
                // Someone else grew memory in between: keep the old tail as free blocks.
                // SAFETY: the tail is ours and unused.
                unsafe { self.release(self.next, self.remaining) };
                self.next = fresh;
                self.remaining = bytes;
            }
        }
    }

    /// Puts unused memory on the free lists as the largest naturally aligned blocks.
    ///
    /// # Safety
    /// `[at, at + len)` belongs to the heap and is unused; `at` is a multiple of 8.
    unsafe fn release(&mut self, mut at: *mut u8, mut len: usize) {
        while len >= MIN_BLOCK {
            let mut size = 1usize << at.addr().trailing_zeros().min(usize::BITS - 1);
            while size > len {
                size >>= 1;
            }
            if size < MIN_BLOCK {
                return; // misaligned `at`: cannot happen, but never write a short block
            }
            // SAFETY: `size` bytes at `at`, aligned to `size`, unused.
            unsafe { self.push(at, size) };
            at = at.wrapping_add(size);
            len -= size;
        }
    }

    /// # Safety
    /// `at` is an unused block of `size` bytes (a power of two >= `MIN_BLOCK`) aligned to
    /// `min(size, PAGE)`.
    unsafe fn push(&mut self, at: *mut u8, size: usize) {
        if let Some(head) = self.free.get_mut(size.trailing_zeros() as usize) {
            // SAFETY: the block is ours, aligned and long enough for the link.
            unsafe { at.cast::<*mut u8>().write(*head) };
            *head = at;
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use wasm::SizeClasses;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::{Grow, Heap, PAGE};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;
    use core::ptr;

    /// The module's linear memory (index 0).
    pub struct WasmMemory;

    // SAFETY: memory.grow returns the old size in pages; the new pages start there,
    // zeroed, and only this allocator grows memory (the stack and statics live below).
    unsafe impl Grow for WasmMemory {
        fn grow(&mut self, pages: usize) -> *mut u8 {
            match core::arch::wasm32::memory_grow(0, pages) {
                usize::MAX => ptr::null_mut(),
                old => ptr::with_exposed_provenance_mut(old.wrapping_mul(PAGE)),
            }
        }
    }

    /// The global allocator: power-of-two size classes over `memory.grow`.
    pub struct SizeClasses(UnsafeCell<Heap<WasmMemory>>);

    impl SizeClasses {
        pub const fn new() -> Self {
            SizeClasses(UnsafeCell::new(Heap::new(WasmMemory)))
        }
    }

    // SAFETY: wasm32-unknown-unknown without the atomics feature is single-threaded, so the
    // heap is never reached from two threads at once.
    unsafe impl Sync for SizeClasses {}

    // SAFETY: `Heap` hands out distinct blocks of at least the layout's size and alignment
    // (or null). The `&mut` is unique: one thread, and the heap never calls the global
    // allocator itself, so no call can re-enter while another is running.
    unsafe impl GlobalAlloc for SizeClasses {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { (*self.0.get()).alloc(layout.size(), layout.align()) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { (*self.0.get()).dealloc(ptr, layout.size(), layout.align()) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{Layout, alloc, dealloc};
    use std::vec::Vec;

    /// Hands out pages of one page-aligned buffer, optionally skipping a page between
    /// grants (as if someone else had grown memory), and counts the grants.
    struct Buffer {
        base: *mut u8,
        pages: usize,
        used: usize,
        gap: bool,
        grants: usize,
    }

    impl Buffer {
        fn new(pages: usize, gap: bool) -> Self {
            let layout = Layout::from_size_align(pages * PAGE, PAGE).unwrap();
            let base = unsafe { alloc(layout) };
            assert!(!base.is_null());
            Buffer { base, pages, used: 0, gap, grants: 0 }
        }
    }

    impl Drop for Buffer {
        fn drop(&mut self) {
            let layout = Layout::from_size_align(self.pages * PAGE, PAGE).unwrap();
            unsafe { dealloc(self.base, layout) }
        }
    }

    unsafe impl Grow for Buffer {
        fn grow(&mut self, pages: usize) -> *mut u8 {
            let start = self.used + usize::from(self.gap && self.used > 0);
            if pages > self.pages || start + pages > self.pages {
                return null_mut();
            }
            self.used = start + pages;
            self.grants += 1;
            unsafe { self.base.add(start * PAGE) }
        }
    }

    fn heap(pages: usize, gap: bool) -> Heap<Buffer> {
        Heap::new(Buffer::new(pages, gap))
    }

    /// Deterministic xorshift, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 as usize
        }
    }

    fn in_buffer(h: &Heap<Buffer>, p: *mut u8, size: usize) -> bool {
        let base = h.grow.base.addr();
        p.addr() >= base && p.addr() + size <= base + h.grow.used * PAGE
    }

    #[test]
    fn block_sizes() {
        assert_eq!(block_size(0, 1), Some(8));
        assert_eq!(block_size(1, 1), Some(8));
        assert_eq!(block_size(9, 1), Some(16));
        assert_eq!(block_size(16, 16), Some(16));
        assert_eq!(block_size(3, 64), Some(64));
        assert_eq!(block_size(70_000, 8), Some(131_072));
        assert_eq!(block_size(1, PAGE * 2), None);
        assert_eq!(block_size(usize::MAX, 1), None);
    }

    #[test]
    fn every_pointer_is_aligned() {
        for gap in [false, true] {
            let mut h = heap(1024, gap);
            let sizes = [0, 1, 3, 8, 9, 24, 100, 1000, 4095, 4096, 5000, 65_535, 65_536, 70_000];
            for shift in 0..=16 {
                let align = 1usize << shift;
                for &size in &sizes {
                    let p = h.alloc(size, align);
                    assert!(!p.is_null(), "size {size} align {align}");
                    assert_eq!(p.addr() % align, 0, "size {size} align {align}");
                    assert!(in_buffer(&h, p, size));
                    if size % 3 == 0 {
                        unsafe { h.dealloc(p, size, align) };
                    }
                }
            }
            assert!(h.alloc(8, PAGE * 2).is_null());
        }
    }

    /// The parts of a block filled with its tag: all of it, except under Miri (far too slow
    /// for megabytes of bytes) only its ends; the span check below still sees every byte.
    fn pattern(size: usize) -> [(usize, usize); 2] {
        if cfg!(miri) && size > 64 { [(0, 32), (size - 32, 32)] } else { [(0, size), (0, 0)] }
    }

    #[test]
    fn blocks_never_overlap() {
        for gap in [false, true] {
            let mut h = heap(4096, gap);
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            let mut live: Vec<(*mut u8, usize, usize, u8)> = Vec::new();
            let mut tag = 0u8;
            let mut allocate = |h: &mut Heap<Buffer>, live: &mut Vec<_>, rng: &mut Rng| {
                let size = match rng.next() % 10 {
                    0 => rng.next() % 200_000,
                    1..=3 => rng.next() % 5000,
                    _ => rng.next() % 100,
                };
                let align = 1usize << (rng.next() % 13);
                let p = h.alloc(size, align);
                assert!(!p.is_null());
                assert_eq!(p.addr() % align, 0);
                assert!(in_buffer(h, p, size));
                tag = tag.wrapping_add(1);
                for (at, len) in pattern(size) {
                    unsafe { p.add(at).write_bytes(tag, len) };
                }
                live.push((p, size, align, tag));
            };
            let check = |live: &Vec<(*mut u8, usize, usize, u8)>| {
                for &(p, size, _, tag) in live {
                    for (at, len) in pattern(size) {
                        let bytes = unsafe { std::slice::from_raw_parts(p.add(at), len) };
                        assert!(bytes.iter().all(|&b| b == tag), "block {p:?} overwritten");
                    }
                }
                let mut spans: Vec<_> = live.iter().map(|&(p, s, _, _)| (p.addr(), s)).collect();
                spans.sort();
                for w in spans.windows(2) {
                    assert!(w[0].0 + w[0].1 <= w[1].0, "overlap {w:?}");
                }
            };
            let rounds = if cfg!(miri) { 500 } else { 3000 };
            for _ in 0..rounds {
                allocate(&mut h, &mut live, &mut rng);
            }
            check(&live);
            let mut kept = Vec::new();
            for (i, block) in live.into_iter().enumerate() {
                if i % 2 == 0 {
                    unsafe { h.dealloc(block.0, block.1, block.2) };
                } else {
                    kept.push(block);
                }
            }
            let mut live = kept;
            check(&live);
            for _ in 0..rounds {
                allocate(&mut h, &mut live, &mut rng);
            }
            check(&live);
        }
    }

    #[test]
    fn freed_blocks_are_reused() {
        let mut h = heap(16, false);
        let first = h.alloc(100, 8);
        unsafe { h.dealloc(first, 100, 8) };
        let grants = h.grow.grants;
        for _ in 0..10_000 {
            let p = h.alloc(100, 8);
            assert_eq!(p, first);
            unsafe { h.dealloc(p, 100, 8) };
        }
        // A different size in the same class reuses it too.
        assert_eq!(h.alloc(128, 4), first);
        assert_eq!(h.grow.grants, grants);
    }

    #[test]
    fn alignment_padding_is_reused() {
        let mut h = heap(16, false);
        let small = h.alloc(8, 8);
        let big = h.alloc(4096, 4096);
        assert_eq!(big.addr() % 4096, 0);
        let used = h.grow.used;
        // The 4088 bytes skipped to align `big` went to the smaller classes.
        let mut spans = Vec::from([(small.addr(), 8), (big.addr(), 4096)]);
        for size in [8, 16, 32, 64, 128, 256, 512, 1024, 2048] {
            let p = h.alloc(size, 1);
            assert!(p.addr() < big.addr(), "size {size} not taken from the padding");
            spans.push((p.addr(), size));
        }
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0);
        }
        assert_eq!(h.grow.used, used);
    }

    #[test]
    fn realloc_keeps_contents() {
        let mut h = heap(64, false);
        let p = h.alloc(10, 2);
        for i in 0..10 {
            unsafe { p.add(i).write(i as u8) };
        }
        // Same class (16 bytes): same pointer.
        let q = unsafe { h.realloc(p, 10, 2, 16) };
        assert_eq!(q, p);
        let r = unsafe { h.realloc(q, 16, 2, 100_000) };
        assert_ne!(r, q);
        assert_eq!(r.addr() % 2, 0);
        let got = unsafe { std::slice::from_raw_parts(r, 10) };
        assert_eq!(got, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        unsafe { r.add(99_999).write(0xAB) };
        let s = unsafe { h.realloc(r, 100_000, 2, 5) };
        let got = unsafe { std::slice::from_raw_parts(s, 5) };
        assert_eq!(got, &[0, 1, 2, 3, 4]);
        // The old 16-byte block was freed and is handed out again.
        assert_eq!(h.alloc(16, 1), p);
    }

    #[test]
    fn out_of_memory_returns_null() {
        let mut h = heap(2, false);
        assert!(h.alloc(3 * PAGE, 8).is_null());
        assert!(h.alloc(usize::MAX / 2, 8).is_null());
        let mut blocks = Vec::new();
        loop {
            let p = h.alloc(1000, 8);
            if p.is_null() {
                break;
            }
            blocks.push(p);
        }
        assert_eq!(blocks.len(), 2 * PAGE / 1024);
        // A failed realloc leaves the block alone.
        unsafe { blocks[0].write_bytes(7, 1000) };
        assert!(unsafe { h.realloc(blocks[0], 1000, 8, 5000) }.is_null());
        assert!(unsafe { std::slice::from_raw_parts(blocks[0], 1000) }.iter().all(|&b| b == 7));
        // Memory freed after the failure is usable again.
        let last = blocks.pop().unwrap();
        unsafe { h.dealloc(last, 1000, 8) };
        assert_eq!(h.alloc(1000, 8), last);
        assert!(h.alloc(1000, 8).is_null());
    }
}
