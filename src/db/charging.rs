//! SQLite's allocator and page cache, wrapped so that what a replicated statement allocates is charged to its
//! execution budget (`budget.rs`), one step per byte, deterministically. Two kinds of allocation depend on the
//! node's history rather than on the statement, and are left out:
//! - the page cache: whether a page is cached (and a slot must be allocated) depends on what ran before, so
//!   every call into SQLite's page cache runs with charging suspended (the page cache is SQLite's own,
//!   wrapped, not replaced);
//! - small allocations (under `CHARGED_FROM`): lookaside fallbacks and bookkeeping such as the WAL index's page
//!   array, which grows with the WAL (2 KiB of it means a WAL of 4 GiB).
//!
//! Both are installed once per process, before SQLite is first used.

use std::cell::Cell;
use std::ffi::{c_int, c_uint, c_void};
use std::sync::{Once, OnceLock};

use rusqlite::ffi;

use crate::db::budget::{armed, charge};

/// Allocations from this size on are charged.
const CHARGED_FROM: u64 = 2 << 10;

thread_local! {
    /// Nonzero while SQLite's page cache runs on this thread.
    static IN_PAGE_CACHE: Cell<u32> = const { Cell::new(0) };
}

fn charging() -> bool {
    armed() && IN_PAGE_CACHE.try_with(|d| d.get() == 0).unwrap_or(false)
}

/// SQLite's default allocator and page cache, which the charging ones wrap.
struct Defaults(ffi::sqlite3_mem_methods, ffi::sqlite3_pcache_methods2);
// SAFETY: the structures hold C function pointers and SQLite's opaque application pointers, written once before
// SQLite is initialized and only read afterwards; SQLite itself calls these from any thread.
unsafe impl Send for Defaults {}
unsafe impl Sync for Defaults {}

static DEFAULTS: OnceLock<Defaults> = OnceLock::new();
static INSTALL: Once = Once::new();

fn default_allocator() -> &'static ffi::sqlite3_mem_methods {
    &DEFAULTS.get().expect("installed before SQLite allocates").0
}

fn default_pcache() -> &'static ffi::sqlite3_pcache_methods2 {
    &DEFAULTS.get().expect("installed before SQLite allocates").1
}

unsafe extern "C" fn charged_malloc(n: c_int) -> *mut c_void {
    if n as u64 >= CHARGED_FROM && charging() {
        charge(n as u64);
    }
    (default_allocator().xMalloc.expect("xMalloc"))(n)
}

unsafe extern "C" fn charged_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    let a = default_allocator();
    if n as u64 >= CHARGED_FROM && charging() {
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

/// Runs a page-cache call with charging suspended.
unsafe fn in_page_cache<R>(f: impl FnOnce(&ffi::sqlite3_pcache_methods2) -> R) -> R {
    let _ = IN_PAGE_CACHE.try_with(|d| d.set(d.get() + 1));
    let out = f(default_pcache());
    let _ = IN_PAGE_CACHE.try_with(|d| d.set(d.get().saturating_sub(1)));
    out
}

unsafe extern "C" fn pc_init(_arg: *mut c_void) -> c_int {
    in_page_cache(|m| (m.xInit.expect("xInit"))(m.pArg))
}
unsafe extern "C" fn pc_shutdown(_arg: *mut c_void) {
    in_page_cache(|m| {
        if let Some(f) = m.xShutdown {
            f(m.pArg)
        }
    })
}
unsafe extern "C" fn pc_create(sz_page: c_int, sz_extra: c_int, purgeable: c_int) -> *mut ffi::sqlite3_pcache {
    in_page_cache(|m| (m.xCreate.expect("xCreate"))(sz_page, sz_extra, purgeable))
}
unsafe extern "C" fn pc_cachesize(c: *mut ffi::sqlite3_pcache, n: c_int) {
    in_page_cache(|m| (m.xCachesize.expect("xCachesize"))(c, n))
}
unsafe extern "C" fn pc_pagecount(c: *mut ffi::sqlite3_pcache) -> c_int {
    in_page_cache(|m| (m.xPagecount.expect("xPagecount"))(c))
}
unsafe extern "C" fn pc_fetch(
    c: *mut ffi::sqlite3_pcache,
    key: c_uint,
    create: c_int,
) -> *mut ffi::sqlite3_pcache_page {
    in_page_cache(|m| (m.xFetch.expect("xFetch"))(c, key, create))
}
unsafe extern "C" fn pc_unpin(c: *mut ffi::sqlite3_pcache, p: *mut ffi::sqlite3_pcache_page, discard: c_int) {
    in_page_cache(|m| (m.xUnpin.expect("xUnpin"))(c, p, discard))
}
unsafe extern "C" fn pc_rekey(c: *mut ffi::sqlite3_pcache, p: *mut ffi::sqlite3_pcache_page, old: c_uint, new: c_uint) {
    in_page_cache(|m| (m.xRekey.expect("xRekey"))(c, p, old, new))
}
unsafe extern "C" fn pc_truncate(c: *mut ffi::sqlite3_pcache, limit: c_uint) {
    in_page_cache(|m| (m.xTruncate.expect("xTruncate"))(c, limit))
}
unsafe extern "C" fn pc_destroy(c: *mut ffi::sqlite3_pcache) {
    in_page_cache(|m| (m.xDestroy.expect("xDestroy"))(c))
}
unsafe extern "C" fn pc_shrink(c: *mut ffi::sqlite3_pcache) {
    in_page_cache(|m| {
        if let Some(f) = m.xShrink {
            f(c)
        }
    })
}

/// Installs the charging allocator and the wrapped page cache, once per process. It must happen before SQLite
/// is first used (opening a connection initializes it); raftsql calls this before it opens anything. Returns
/// false if SQLite was already initialized by someone else; allocations then go uncharged (logged).
pub fn install() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    INSTALL.call_once(|| {
        let ok = unsafe {
            let mut current: ffi::sqlite3_mem_methods = std::mem::zeroed();
            let mut pcache: ffi::sqlite3_pcache_methods2 = std::mem::zeroed();
            let got = ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETMALLOC, &mut current as *mut ffi::sqlite3_mem_methods);
            let got_pc =
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETPCACHE2, &mut pcache as *mut ffi::sqlite3_pcache_methods2);
            if got != ffi::SQLITE_OK || got_pc != ffi::SQLITE_OK || current.xMalloc.is_none() || pcache.xFetch.is_none()
            {
                false
            } else {
                let version = pcache.iVersion;
                let _ = DEFAULTS.set(Defaults(current, pcache));
                let wrapped = ffi::sqlite3_pcache_methods2 {
                    iVersion: version,
                    pArg: std::ptr::null_mut(),
                    xInit: Some(pc_init),
                    xShutdown: Some(pc_shutdown),
                    xCreate: Some(pc_create),
                    xCachesize: Some(pc_cachesize),
                    xPagecount: Some(pc_pagecount),
                    xFetch: Some(pc_fetch),
                    xUnpin: Some(pc_unpin),
                    xRekey: Some(pc_rekey),
                    xTruncate: Some(pc_truncate),
                    xDestroy: Some(pc_destroy),
                    xShrink: Some(pc_shrink),
                };
                let pc_ok = ffi::sqlite3_config(ffi::SQLITE_CONFIG_PCACHE2, &wrapped as *const ffi::sqlite3_pcache_methods2)
                    == ffi::SQLITE_OK;
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
                // SQLite keeps copies of both structures.
                pc_ok
                    && ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &charged as *const ffi::sqlite3_mem_methods)
                        == ffi::SQLITE_OK
            }
        };
        if !ok {
            tracing::error!("SQLite was initialized before raftsql could install its allocator: allocations are not charged to statement budgets");
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
