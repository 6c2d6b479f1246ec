//! The execution budget of a replicated statement: a number of steps it may take, the same on every replica,
//! after which it stops with 54001 everywhere and has no effect. Two things draw on it:
//! - SQLite VM instructions, counted by a progress handler (the same count for the same statement on the same
//!   data; parsing and planning included);
//! - bytes of large allocations (8 KiB and more: values, records, sort buffers), one step per byte, seen
//!   through SQLite's memory allocator, and the bytes `zeroblob()` produces. A statement that only copies or
//!   grows big values takes few instructions, yet is what fills memory and disk. Smaller allocations are not
//!   counted: the page cache's slots (4 KiB pages) are among them, and whether a page is cached depends on
//!   the node's history, not on the statement.
//!
//! The budget is a thread-local armed only while a replicated statement runs on the writer thread; everything
//! else (reads, raftsql's own statements) runs unbudgeted.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::sync::{Once, OnceLock};

use rusqlite::ffi;
use rusqlite::Connection;

use crate::error::SqlError;

/// VM instructions between two calls of the progress handler.
const PROGRESS_STEPS: u64 = 1000;
/// Allocations from this size on are charged: above a page-cache slot (a 4 KiB page and its header).
const LARGE_ALLOCATION: u64 = 8 << 10;

thread_local! {
    /// Steps left to the statement running on this thread (`None`: no budget armed).
    static STEPS_LEFT: Cell<Option<u64>> = const { Cell::new(None) };
    /// The armed budget, and whether it ran out.
    static BUDGET: Cell<(u64, bool)> = const { Cell::new((0, false)) };
}

/// Takes `steps` from the armed budget, if one is armed on this thread.
pub fn charge(steps: u64) {
    let _ = STEPS_LEFT.try_with(|left| {
        if let Some(n) = left.get() {
            left.set(Some(n.saturating_sub(steps)));
        }
    });
}

fn progress_tick() -> bool {
    let left = STEPS_LEFT.with(|l| l.get());
    match left {
        None => false,
        Some(n) if n > PROGRESS_STEPS => {
            STEPS_LEFT.with(|l| l.set(Some(n - PROGRESS_STEPS)));
            false
        }
        Some(_) => {
            STEPS_LEFT.with(|l| l.set(Some(0)));
            BUDGET.with(|b| b.set((b.get().0, true)));
            true
        }
    }
}

/// Installs the progress handler on the writer connection.
pub fn install_progress_handler(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.progress_handler(PROGRESS_STEPS as c_int, Some(progress_tick))
}

/// Runs `f` with a budget of `steps` armed on this thread.
pub fn with_budget<R>(steps: u64, f: impl FnOnce() -> R) -> R {
    STEPS_LEFT.with(|l| l.set(Some(steps.max(1))));
    BUDGET.with(|b| b.set((steps, false)));
    let out = f();
    STEPS_LEFT.with(|l| l.set(None));
    BUDGET.with(|b| b.set((0, false)));
    out
}

/// Whether the statement running on this thread was stopped by its budget.
pub fn exhausted() -> bool {
    BUDGET.with(|b| b.get().1)
}

/// The error of a statement stopped by its budget.
pub fn exhausted_error() -> SqlError {
    let steps = BUDGET.with(|b| b.get().0);
    SqlError::new(
        SqlError::BUDGET_EXCEEDED,
        format!(
            "statement exceeded its execution budget of {steps} steps (SQLite instructions plus bytes of large \
             values) and was stopped on every replica without effect; raise --max-statement-steps or split the work"
        ),
    )
}

/// SQLite's default allocator, which the charging allocator wraps.
struct Allocator(ffi::sqlite3_mem_methods);
// SAFETY: the structure holds C function pointers and SQLite's opaque application pointer, written once before
// SQLite is initialized and only read afterwards; SQLite itself calls these from any thread.
unsafe impl Send for Allocator {}
unsafe impl Sync for Allocator {}

static DEFAULT_ALLOCATOR: OnceLock<Allocator> = OnceLock::new();
static INSTALL: Once = Once::new();

fn default_allocator() -> &'static ffi::sqlite3_mem_methods {
    &DEFAULT_ALLOCATOR.get().expect("installed before SQLite allocates").0
}

unsafe extern "C" fn charged_malloc(n: c_int) -> *mut c_void {
    if n as u64 >= LARGE_ALLOCATION {
        charge(n as u64);
    }
    (default_allocator().xMalloc.expect("xMalloc"))(n)
}

unsafe extern "C" fn charged_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    let a = default_allocator();
    if n as u64 >= LARGE_ALLOCATION {
        let old = if p.is_null() { 0 } else { (a.xSize.expect("xSize"))(p).max(0) as u64 };
        charge((n as u64).saturating_sub(old));
    }
    (a.xRealloc.expect("xRealloc"))(p, n)
}

unsafe extern "C" fn plain_free(p: *mut c_void) {
    (default_allocator().xFree.expect("xFree"))(p)
}

unsafe extern "C" fn plain_size(p: *mut c_void) -> c_int {
    (default_allocator().xSize.expect("xSize"))(p)
}

unsafe extern "C" fn plain_roundup(n: c_int) -> c_int {
    (default_allocator().xRoundup.expect("xRoundup"))(n)
}

unsafe extern "C" fn plain_init(app: *mut c_void) -> c_int {
    (default_allocator().xInit.expect("xInit"))(app)
}

unsafe extern "C" fn plain_shutdown(app: *mut c_void) {
    (default_allocator().xShutdown.expect("xShutdown"))(app)
}

/// Installs the charging allocator, once per process. It must happen before SQLite is first used (opening a
/// connection initializes it); raftsql calls this before it opens anything. Returns false if SQLite was
/// already initialized by someone else, in which case large allocations go uncharged (logged).
pub fn install_allocator() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    INSTALL.call_once(|| {
        let ok = unsafe {
            let mut current: ffi::sqlite3_mem_methods = std::mem::zeroed();
            let got = ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETMALLOC, &mut current as *mut ffi::sqlite3_mem_methods);
            if got != ffi::SQLITE_OK || current.xMalloc.is_none() {
                false
            } else {
                let _ = DEFAULT_ALLOCATOR.set(Allocator(current));
                let charged = ffi::sqlite3_mem_methods {
                    xMalloc: Some(charged_malloc),
                    xFree: Some(plain_free),
                    xRealloc: Some(charged_realloc),
                    xSize: Some(plain_size),
                    xRoundup: Some(plain_roundup),
                    xInit: Some(plain_init),
                    xShutdown: Some(plain_shutdown),
                    pAppData: current.pAppData,
                };
                // SQLite keeps a copy of the structure.
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &charged as *const ffi::sqlite3_mem_methods)
                    == ffi::SQLITE_OK
            }
        };
        if !ok {
            tracing::error!("SQLite was initialized before raftsql could install its allocator: large values are not charged to statement budgets");
        }
        let _ = INSTALLED.set(ok);
    });
    *INSTALLED.get().unwrap_or(&false)
}

/// Caps the memory SQLite may use in this process (all connections): beyond it allocations fail
/// (SQLITE_NOMEM), which a read reports to its client and the writer treats as a failure of this node.
pub fn set_heap_limit(bytes: u64) {
    unsafe {
        ffi::sqlite3_hard_heap_limit64(bytes.min(i64::MAX as u64) as i64);
    }
}
