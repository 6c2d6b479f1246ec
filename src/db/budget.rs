//! The execution budget of a replicated statement: a number of steps it may take, the same on every replica,
//! after which it stops with 54001 everywhere and has no effect. Two things draw on it:
//! - SQLite VM instructions, counted by a progress handler (the same count for the same statement on the same
//!   data; parsing and planning included);
//! - bytes SQLite allocates for the statement (values, records, sort buffers), one step per byte, seen
//!   through its allocator (`charging.rs`), and the bytes `zeroblob()` produces. A statement that only copies
//!   or grows values takes few instructions, yet is what takes memory and time.
//!
//! The budget is a thread-local armed only while a replicated statement runs on the writer thread; everything
//! else (reads, raftsql's own statements) runs unbudgeted.

use std::cell::Cell;
use std::ffi::c_int;

use rusqlite::Connection;

use crate::error::SqlError;

/// VM instructions between two calls of the progress handler.
const PROGRESS_STEPS: u64 = 1000;

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

/// Whether a budget is armed on this thread (the charging allocator charges only then).
pub fn armed() -> bool {
    STEPS_LEFT.try_with(|l| l.get().is_some()).unwrap_or(false)
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
            "statement exceeded its execution budget of {steps} steps (SQLite instructions plus bytes it allocated) \
             and was stopped on every replica without effect; raise --max-statement-steps or split the work"
        ),
    )
}
