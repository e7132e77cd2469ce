//! A read's memory is bounded by its limit, not by the file's size: a 100 MB registry
//! read with a 4096-byte limit allocates a few KB. Its own test binary, because it
//! counts every allocation of the process (a global allocator).

mod common;

use common::TempDir;
use portplan::session::effects::{Effect, FileRead, Reply};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(live, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_100_mb_file_read_with_a_small_limit_stays_small() {
    let dir = TempDir::new("memory");
    let path = dir.join("huge.json");
    let file = std::fs::File::create(&path).unwrap();
    // 100 MB of NUL bytes, sparse where the file system allows it.
    file.set_len(100 * 1024 * 1024).unwrap();
    drop(file);
    let mut executor = portplan_native::Executor::new();
    let effect = Effect::Read {
        path: path.clone(),
        limit: 4096,
        follow: false,
    };
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let reply = executor.run(&effect).unwrap();
    let peak = PEAK.load(Ordering::SeqCst) - before;
    let Reply::Read {
        read: FileRead::File { text, longer, .. },
    } = reply
    else {
        panic!("{reply:?}")
    };
    assert!(longer);
    assert_eq!(text.len(), 4096);
    assert!(
        peak < 64 * 1024,
        "the read allocated {peak} bytes at its peak"
    );
}
