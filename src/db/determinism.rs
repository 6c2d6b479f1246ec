//! Deterministic apply: every replica must turn the same log entry into the same rows, in bounded time.
//! - Clock: SQLite's clock (`CURRENT_TIMESTAMP`, `datetime('now')`, column DEFAULTs) is read through the VFS, so
//!   the writer opens its database through a VFS that wraps the platform one and answers the clock with the
//!   entry's timestamp.
//! - Randomness: `random()`, `randomblob()` and `gen_random_uuid()` draw from a generator seeded by the entry
//!   (on every connection, so nothing else draws from SQLite's process-wide generator), and SQLite's own
//!   generator (random rowids once the largest rowid is taken, names of duplicate result columns) is reseeded
//!   from the entry before every replicated statement.
//! - Host time zone: the `'localtime'`/`'utc'` date modifiers fail inside a replicated statement.
//! - Budget: each replicated statement runs under the entry's execution budget (`budget.rs`).

use std::cell::Cell;
use std::ffi::c_int;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

use rusqlite::ffi;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::db::budget;

/// Name of the VFS whose clock is the applying entry's timestamp.
pub const CLOCK_VFS: &str = "raftsql_clock";
const CLOCK_VFS_C: &[u8] = b"raftsql_clock\0";
/// Julian day number of the Unix epoch, in milliseconds (what `xCurrentTimeInt64` reports).
const UNIX_EPOCH_JULIAN_MS: i64 = 210_866_760_000_000;

/// Bounds a replicated statement runs under, chosen by the leader and carried in the entry, so every replica
/// applies the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecLimits {
    /// SQLite VM steps one statement may take (parsing and planning included) before it fails with 54001.
    pub max_steps: u64,
    /// Bytes of result rows one statement may return (RETURNING, reads inside a write transaction).
    pub max_result_bytes: u64,
}

impl Default for ExecLimits {
    fn default() -> Self {
        ExecLimits { max_steps: 500_000_000, max_result_bytes: 64 << 20 }
    }
}

/// The execution context a log entry carries: the leader's clock, a seed chosen when it was proposed, and the
/// bounds its statements run under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExecContext {
    /// Milliseconds since the Unix epoch, read on the leader when the entry was proposed.
    pub timestamp_ms: i64,
    /// Seed of the entry's random number generator.
    pub seed: u64,
    pub limits: ExecLimits,
}

impl ExecContext {
    /// The context of the `i`-th request packed into one entry: same clock, its own random stream.
    pub fn for_request(self, i: usize) -> Self {
        let mut z = self.seed ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ExecContext { timestamp_ms: self.timestamp_ms, seed: z ^ (z >> 31), limits: self.limits }
    }

    /// A context for a new entry, from this machine's clock and a fresh random seed.
    pub fn now(limits: ExecLimits) -> Self {
        let timestamp_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        ExecContext { timestamp_ms, seed: rand::random(), limits }
    }
}

thread_local! {
    static CLOCK_MS: Cell<Option<i64>> = const { Cell::new(None) };
    static RNG_STATE: Cell<u64> = const { Cell::new(0) };
}

/// Runs one replicated client statement on the writer thread: SQLite's random generator reseeded from `seed`,
/// the budget of `max_steps` armed, the host-time-zone date modifiers refused.
pub fn with_statement<R>(seed: u64, max_steps: u64, f: impl FnOnce() -> R) -> R {
    // SQLite's generator is one per process. A node has one writer, so this lock is uncontended; it matters
    // when several nodes share a process (the in-process test cluster), whose writers would otherwise draw from
    // each other's streams.
    static GENERATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _generator = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    // SQLITE_TESTCTRL_PRNG_SEED resets the generator to a state made from the 32-bit seed alone (0 would mean
    // "ask the VFS for randomness").
    let seed32 = ((seed ^ (seed >> 32)) as u32 | 1) as c_int;
    unsafe {
        ffi::sqlite3_test_control(ffi::SQLITE_TESTCTRL_PRNG_SEED, seed32, std::ptr::null_mut::<ffi::sqlite3>());
    }
    budget::with_budget(max_steps, f)
}

thread_local! {
    /// Set when a replicated statement stored the largest rowid.
    static RESERVED_ROWID_USED: Cell<bool> = const { Cell::new(false) };
}

/// Refuses rows with the largest rowid (i64::MAX) on the writer: once a table holds it, SQLite picks new rowids at
/// random from its process-wide generator, which other threads of the process also draw from. Watched through
/// the update hook; the statement then fails (`take_reserved_rowid`).
pub fn install_reserved_rowid_check(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.update_hook(Some(|action, _db: &str, _table: &str, rowid: i64| {
        if rowid == i64::MAX && !matches!(action, rusqlite::hooks::Action::SQLITE_DELETE) {
            RESERVED_ROWID_USED.with(|r| r.set(true));
        }
    }))
}

/// Whether the statement that just ran stored the reserved rowid (and forgets it).
pub fn take_reserved_rowid() -> bool {
    RESERVED_ROWID_USED.with(|r| r.replace(false))
}

/// SQLite's hook for `localtime()`: refuses inside a replicated statement (the one that runs under a budget;
/// the host's time zone differs between machines), asks the C library otherwise.
unsafe extern "C" fn localtime_hook(t: *const std::ffi::c_void, out: *mut std::ffi::c_void) -> c_int {
    if budget::armed() {
        return 1;
    }
    let r = libc::localtime_r(t as *const libc::time_t, out as *mut libc::tm);
    c_int::from(r.is_null())
}

static PROCESS_HOOKS: Once = Once::new();

/// Process-wide SQLite settings raftsql relies on: the localtime hook (installed when the writer opens).
pub fn register_process_hooks() {
    PROCESS_HOOKS.call_once(|| unsafe {
        type Hook = unsafe extern "C" fn(*const std::ffi::c_void, *mut std::ffi::c_void) -> c_int;
        ffi::sqlite3_test_control(ffi::SQLITE_TESTCTRL_LOCALTIME_FAULT, 2 as c_int, localtime_hook as Hook);
    });
}

/// Runs `f` with the clock and random generator of this thread fixed by `ctx`. The state machine's writer
/// thread wraps each entry's execution in this.
pub fn with_context<R>(ctx: ExecContext, f: impl FnOnce() -> R) -> R {
    CLOCK_MS.with(|c| c.set(Some(ctx.timestamp_ms)));
    RNG_STATE.with(|s| s.set(ctx.seed));
    let out = f();
    CLOCK_MS.with(|c| c.set(None));
    out
}

/// Runs `f` (one read statement) with the clock fixed at the time it starts, as PostgreSQL's `now()` is fixed
/// within a statement; inside an entry's context the entry's clock stays.
pub fn with_statement_clock<R>(f: impl FnOnce() -> R) -> R {
    if CLOCK_MS.with(|c| c.get()).is_some() {
        return f();
    }
    CLOCK_MS.with(|c| c.set(Some(ExecContext::now(ExecLimits::default()).timestamp_ms)));
    let out = f();
    CLOCK_MS.with(|c| c.set(None));
    out
}

/// The next random number: from the entry's seeded generator while an entry applies, from the operating
/// system otherwise (reads on the read pool).
fn next_random() -> u64 {
    if CLOCK_MS.with(|c| c.get()).is_none() {
        return rand::random();
    }
    seeded_random()
}

/// SplitMix64: small, fast and, above all, the same on every platform and every version of raftsql.
fn seeded_random() -> u64 {
    RNG_STATE.with(|s| {
        let mut z = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

static BASE_VFS: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(std::ptr::null_mut());
static REGISTER: Once = Once::new();

unsafe extern "C" fn clock_current_time_int64(_vfs: *mut ffi::sqlite3_vfs, out: *mut i64) -> c_int {
    if let Some(ms) = CLOCK_MS.with(|c| c.get()) {
        *out = UNIX_EPOCH_JULIAN_MS + ms;
        return ffi::SQLITE_OK;
    }
    let base = BASE_VFS.load(Ordering::Acquire);
    match (*base).xCurrentTimeInt64 {
        Some(f) => f(base, out),
        None => ffi::SQLITE_ERROR,
    }
}

unsafe extern "C" fn clock_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    let mut ms = 0i64;
    let rc = clock_current_time_int64(vfs, &mut ms);
    *out = ms as f64 / 86_400_000.0;
    rc
}

/// Registers the clock VFS once per process. It copies the default VFS (same file I/O, locking and sync)
/// and replaces only its two clock entry points.
pub fn register_clock_vfs() {
    REGISTER.call_once(|| unsafe {
        let base = ffi::sqlite3_vfs_find(std::ptr::null());
        assert!(!base.is_null(), "SQLite has no default VFS");
        BASE_VFS.store(base, Ordering::Release);
        let mut vfs: ffi::sqlite3_vfs = *base;
        vfs.zName = CLOCK_VFS_C.as_ptr() as *const _;
        vfs.pNext = std::ptr::null_mut();
        vfs.xCurrentTime = Some(clock_current_time);
        if vfs.iVersion >= 2 {
            vfs.xCurrentTimeInt64 = Some(clock_current_time_int64);
        }
        let leaked: *mut ffi::sqlite3_vfs = Box::into_raw(Box::new(vfs));
        let rc = ffi::sqlite3_vfs_register(leaked, 0);
        assert_eq!(rc, ffi::SQLITE_OK, "registering the clock VFS failed");
    });
}

/// Adds `now()`, `gen_random_uuid()` and PostgreSQL's information functions, which SQLite lacks. Read connections get these too, so a
/// statement prepares the same way on the read path and on the writer.
/// `raftsql_check_deferred_constraints()`: fails with 23503 while the transaction holds foreign-key violations
/// whose check was deferred to COMMIT (`SET CONSTRAINTS ALL IMMEDIATE`); the same on every replica, as the data is.
fn register_constraint_check(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("raftsql_check_deferred_constraints", 0, FunctionFlags::SQLITE_UTF8, |c| {
        // SAFETY: the handle is the connection running this function, used on its own thread for this call;
        // the out-pointers are live locals.
        let pending = unsafe {
            let (mut current, mut highwater) = (0, 0);
            let conn = c.get_connection()?;
            ffi::sqlite3_db_status(conn.handle(), ffi::SQLITE_DBSTATUS_DEFERRED_FKS, &mut current, &mut highwater, 0);
            current
        };
        match pending {
            0 => Ok(rusqlite::types::Null),
            _ => Err(crate::db::sqlstate::raise(
                "23503",
                "insert or update violates a foreign key constraint (checked by SET CONSTRAINTS ALL IMMEDIATE)",
            )),
        }
    })
}

pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("gen_random_uuid", 0, flags, |_ctx: &mut Context<'_>| {
        Ok(format_uuid_v4(next_random(), next_random()))
    })?;
    conn.create_scalar_function("now", 0, flags, |_ctx: &mut Context<'_>| Ok(now_timestamptz()))?;
    // Not SQLITE_DETERMINISTIC: each call must draw a new value, only the sequence is fixed by the seed. On read
    // connections they draw from the operating system, never from SQLite's process-wide generator, which the
    // writer reseeds per statement.
    conn.create_scalar_function("random", 0, flags, |_ctx: &mut Context<'_>| Ok(next_random() as i64))?;
    // zeroblob() materializes its zeros, so that storing them is charged to the statement's budget like any other
    // large value (SQLite's own writes them to pages without ever holding them).
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("zeroblob", 1, exact, |ctx: &mut Context<'_>| {
        let n = ctx.get::<i64>(0).unwrap_or(0).max(0);
        if n > i64::from(crate::db::limits::MAX_VALUE_BYTES) {
            // No message: rusqlite would set it after the code, turning the code back into SQLITE_ERROR.
            return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_TOOBIG), None));
        }
        budget::charge(n as u64);
        Ok(vec![0u8; n as usize])
    })?;
    conn.create_scalar_function("randomblob", 1, flags, |ctx: &mut Context<'_>| {
        let n = ctx.get::<i64>(0).unwrap_or(1).clamp(1, 1 << 20) as usize;
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&next_random().to_le_bytes());
        }
        out.truncate(n);
        Ok(out)
    })?;
    crate::db::numeric_functions::register(conn)?;
    crate::db::datetime::functions::register(conn)?;
    crate::db::text_functions::register(conn)?;
    crate::db::regex_functions::register(conn)?;
    crate::db::json_functions::register(conn)?;
    crate::db::json_edit::register(conn)?;
    crate::db::array_functions::register(conn)?;
    crate::db::table_constraints::register(conn)?;
    crate::db::serial_columns::register(conn)?;
    crate::db::sequences::register(conn)?;
    register_constraint_check(conn)?;
    // `regexp(pattern, text)`: SQLite's REGEXP operator, and PostgreSQL's `~` operators once translated. The
    // compiled pattern is kept for the statement (SQLite's auxiliary data).
    conn.create_scalar_function("regexp", 2, exact, |ctx: &mut Context<'_>| {
        if matches!(ctx.get_raw(0), rusqlite::types::ValueRef::Null)
            || matches!(ctx.get_raw(1), rusqlite::types::ValueRef::Null)
        {
            return Ok(None);
        }
        let re = ctx.get_or_create_aux(0, |v| -> Result<regex_lite::Regex, rusqlite::Error> {
            let pattern = v.as_str().map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
            regex_lite::Regex::new(pattern)
                .map_err(|e| rusqlite::Error::UserFunctionError(format!("invalid regular expression: {e}").into()))
        })?;
        let text = ctx.get::<String>(1)?;
        Ok(Some(re.is_match(&text)))
    })?;
    // Session-independent answers to PostgreSQL's information functions.
    let constant = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("version", 0, constant, |_ctx: &mut Context<'_>| Ok(version_string()))?;
    conn.create_scalar_function("current_database", 0, constant, |_ctx: &mut Context<'_>| Ok("raftsql"))?;
    conn.create_scalar_function("current_schema", 0, constant, |_ctx: &mut Context<'_>| Ok("public"))?;
    conn.create_scalar_function("current_user", 0, constant, |_ctx: &mut Context<'_>| Ok("raftsql"))?;
    Ok(())
}

/// What `SELECT version()` answers: PostgreSQL-shaped, so drivers that parse it find version 15.
pub fn version_string() -> String {
    format!(
        "PostgreSQL 15.18 (raftsql {}) on {}-linux, replicated SQLite {}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        rusqlite::version()
    )
}

/// The statement's clock, in milliseconds since 1970-01-01 UTC.
pub fn current_ms() -> i64 {
    CLOCK_MS.with(|c| c.get()).unwrap_or_else(|| ExecContext::now(ExecLimits::default()).timestamp_ms)
}

fn format_uuid_v4(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// `now()`: the entry's (or the read's) clock as a stored timestamptz (`2024-02-29 12:34:56.789+00`).
pub fn now_timestamptz() -> String {
    use crate::db::datetime::{store_timestamptz, Ts};
    store_timestamptz(Ts::At(current_ms() * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_a_stored_timestamptz() {
        let ctx = ExecContext { timestamp_ms: 1_709_210_096_789, seed: 7, limits: ExecLimits::default() };
        assert_eq!(with_context(ctx, now_timestamptz), "2024-02-29 12:34:56.789+00");
    }

    #[test]
    fn clock_vfs_fixes_current_timestamp() {
        register_clock_vfs();
        let dir = tempfile::tempdir().unwrap();
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE;
        let conn = Connection::open_with_flags_and_vfs(dir.path().join("t.db"), flags, CLOCK_VFS).unwrap();
        register_functions(&conn).unwrap();
        let ctx = ExecContext { timestamp_ms: 1_709_210_096_789, seed: 7, limits: ExecLimits::default() };
        let read = |sql: &str| -> String { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        let (a, b, c, d) = with_context(ctx, || {
            (
                read("SELECT CURRENT_TIMESTAMP"),
                read("SELECT datetime('now')"),
                read("SELECT now()"),
                read("SELECT hex(randomblob(4)) || random()"),
            )
        });
        assert_eq!(a, "2024-02-29 12:34:56");
        assert_eq!(b, "2024-02-29 12:34:56");
        assert_eq!(c, "2024-02-29 12:34:56.789+00");
        let d2 = with_context(ctx, || read("SELECT hex(randomblob(4)) || random()"));
        assert_eq!(d, d2, "same seed, same random values");
    }

    #[test]
    fn now_is_one_value_within_a_read() {
        let conn = Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        // One expression, evaluated left to right: without a statement clock the second now() comes 20 ms after
        // the first.
        let sql = "SELECT substr(v, 1, instr(v, '|') - 1) = substr(v, instr(v, '|') + 1) \
                   FROM (SELECT now() || '|' || coalesce(pg_sleep(0.02), '') || now() AS v)";
        let result = crate::db::exec::run_read(&conn, sql, &[], 1 << 20).unwrap();
        assert_eq!(result.rows, vec![vec![crate::db::Value::Integer(1)]]);
    }
}
