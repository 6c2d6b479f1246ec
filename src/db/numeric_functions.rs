//! The SQLite functions, aggregates and collation that give PostgreSQL's numeric semantics to SQLite values.
//!
//! raftsql stores a `numeric` as canonical decimal text (`db::decimal` prints it), in columns declared
//! `NUMERIC_TEXT(p,s) COLLATE pg_numeric`: TEXT affinity keeps every digit, the collation compares the texts as
//! numbers (so indexes, ORDER BY, min/max, GROUP BY and `=` are numeric, and `1.0 = 1.00`). The translator turns
//! arithmetic into these functions, which look at the storage class of their operands: integers stay integers
//! (with PostgreSQL's overflow error instead of SQLite's silent switch to floating point), reals stay reals, and a
//! decimal text on either side makes the operation exact.

use std::cmp::Ordering;

use rusqlite::functions::{Aggregate, Context, FunctionFlags, WindowAggregate};
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

use crate::db::decimal::{Decimal, DecimalError};
use crate::db::sqlstate::raise;

/// The collation of numeric columns.
pub const COLLATION: &str = "pg_numeric";

/// One operand, by the storage class SQLite gave it.
enum Operand {
    Int(i64),
    Real(f64),
    Dec(Decimal),
}

fn decimal_error(e: DecimalError) -> rusqlite::Error {
    raise(e.sqlstate, &e.message)
}

fn operand(v: ValueRef<'_>) -> rusqlite::Result<Option<Operand>> {
    Ok(Some(match v {
        ValueRef::Null => return Ok(None),
        ValueRef::Integer(i) => Operand::Int(i),
        ValueRef::Real(f) => Operand::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let s = String::from_utf8_lossy(t);
            Operand::Dec(Decimal::parse(&s).map_err(decimal_error)?)
        }
    }))
}

impl Operand {
    fn decimal(&self) -> Decimal {
        match self {
            Operand::Int(i) => Decimal::from_i64(*i),
            Operand::Real(f) => Decimal::from_f64(*f),
            Operand::Dec(d) => d.clone(),
        }
    }

    fn real(&self) -> f64 {
        match self {
            Operand::Int(i) => *i as f64,
            Operand::Real(f) => *f,
            Operand::Dec(d) => d.to_f64(),
        }
    }
}

/// The SQLite value of a decimal result: its text.
fn text(d: Decimal) -> Value {
    Value::Text(d.to_string())
}

fn bigint_overflow() -> rusqlite::Error {
    raise("22003", "bigint out of range")
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// `a op b` when an operand is a date/time text (`timestamp + interval`, `date - date`, `interval * 2`): the
/// operator of `db::datetime::arithmetic`; `None` when neither operand is one.
fn datetime_arithmetic(ctx: &Context<'_>, op: Op) -> rusqlite::Result<Option<Value>> {
    use crate::db::datetime::arithmetic::{self as dt, classify, Operand as D};
    let dt_op = match op {
        Op::Add => dt::Op::Add,
        Op::Sub => dt::Op::Sub,
        Op::Mul => dt::Op::Mul,
        Op::Div => dt::Op::Div,
        Op::Rem => return Ok(None),
    };
    // Decimal texts (digits, sign, point, exponent) are by far the common case: leave them at once.
    let temporal = |v: ValueRef<'_>| match v {
        ValueRef::Text(t) => t.iter().enumerate().any(|(i, &b)| {
            b == b':'
                || b == b' '
                || (b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
                || (b == b'-' && i > 0 && !matches!(t[i - 1], b'e' | b'E'))
        }),
        _ => false,
    };
    if !temporal(ctx.get_raw(0)) && !temporal(ctx.get_raw(1)) {
        return Ok(None);
    }
    let convert = |v: ValueRef<'_>| -> Option<D> {
        match v {
            ValueRef::Integer(i) => Some(D::Integer(i)),
            ValueRef::Real(f) => Some(D::Number(f)),
            ValueRef::Text(t) => {
                let s = std::str::from_utf8(t).ok()?;
                match Decimal::parse(s) {
                    Ok(d) => Some(D::Number(d.to_f64())),
                    Err(_) => classify(s).map(D::Datum),
                }
            }
            _ => None,
        }
    };
    let (Some(a), Some(b)) = (convert(ctx.get_raw(0)), convert(ctx.get_raw(1))) else { return Ok(None) };
    if !matches!(a, D::Datum(_)) && !matches!(b, D::Datum(_)) {
        return Ok(None);
    }
    let zero = matches!(b, D::Integer(0)) || matches!(b, D::Number(f) if f == 0.0);
    if matches!(op, Op::Div) && zero {
        return Err(raise("22012", "division by zero"));
    }
    match dt::apply(dt_op, a, b) {
        Ok(Some(dt::Outcome::Text(t))) => Ok(Some(Value::Text(t))),
        Ok(Some(dt::Outcome::Integer(i))) => Ok(Some(Value::Integer(i))),
        Ok(None) => Err(raise("42883", "operator does not exist for these date/time operands")),
        Err(crate::db::datetime::DtErr::Range) => Err(raise("22008", "date/time value out of range")),
        Err(crate::db::datetime::DtErr::Syntax) => Err(raise("22007", "invalid date/time value")),
    }
}

/// `a op b`, typed by the operands: integer, real, or exact decimal.
fn arithmetic(ctx: &Context<'_>, op: Op) -> rusqlite::Result<Value> {
    if let Some(v) = datetime_arithmetic(ctx, op)? {
        return Ok(v);
    }
    let (Some(a), Some(b)) = (operand(ctx.get_raw(0))?, operand(ctx.get_raw(1))?) else { return Ok(Value::Null) };
    let zero_divisor = match &b {
        Operand::Int(0) => true,
        Operand::Real(f) => *f == 0.0,
        Operand::Dec(d) => d.is_zero(),
        _ => false,
    };
    if zero_divisor && matches!(op, Op::Div | Op::Rem) {
        return Err(raise("22012", "division by zero"));
    }
    match (&a, &b) {
        (Operand::Int(x), Operand::Int(y)) => {
            let r = match op {
                Op::Add => x.checked_add(*y),
                Op::Sub => x.checked_sub(*y),
                Op::Mul => x.checked_mul(*y),
                Op::Div => x.checked_div(*y),
                Op::Rem => x.checked_rem(*y),
            };
            r.map(Value::Integer).ok_or_else(bigint_overflow)
        }
        (Operand::Real(_), _) | (_, Operand::Real(_)) => {
            let (x, y) = (a.real(), b.real());
            let r = match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div => x / y,
                Op::Rem => x % y,
            };
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err(raise("22003", "value out of range: overflow"));
            }
            Ok(Value::Real(r))
        }
        _ => {
            let (x, y) = (a.decimal(), b.decimal());
            let r = match op {
                Op::Add => x.add(&y),
                Op::Sub => x.sub(&y),
                Op::Mul => x.mul(&y),
                Op::Div => x.div(&y),
                Op::Rem => x.rem(&y),
            };
            r.map(text).map_err(decimal_error)
        }
    }
}

/// `-a`.
fn negate(ctx: &Context<'_>) -> rusqlite::Result<Value> {
    if let ValueRef::Text(t) = ctx.get_raw(0) {
        let s = String::from_utf8_lossy(t);
        if Decimal::parse(&s).is_err() {
            if let Some(crate::db::datetime::arithmetic::Datum::Interval(iv)) =
                crate::db::datetime::arithmetic::classify(&s)
            {
                return Ok(Value::Text(iv.negate().to_text()));
            }
        }
    }
    Ok(match operand(ctx.get_raw(0))? {
        None => Value::Null,
        Some(Operand::Int(i)) => Value::Integer(i.checked_neg().ok_or_else(bigint_overflow)?),
        Some(Operand::Real(f)) => Value::Real(-f),
        Some(Operand::Dec(d)) => text(d.neg()),
    })
}

/// -1, 0 or 1 comparing `a` with `b` as numbers; NULL when either is NULL.
fn compare(ctx: &Context<'_>) -> rusqlite::Result<Option<i64>> {
    let (Some(a), Some(b)) = (operand(ctx.get_raw(0))?, operand(ctx.get_raw(1))?) else { return Ok(None) };
    let ord = match (&a, &b) {
        (Operand::Int(x), Operand::Int(y)) => x.cmp(y),
        (Operand::Real(_), _) | (_, Operand::Real(_)) => a.real().total_cmp(&b.real()),
        _ => a.decimal().total_cmp(&b.decimal()),
    };
    Ok(Some(ord as i64))
}

/// The type modifier given to `pg_numeric(x, precision, scale)`; `None` for plain `numeric`.
fn typmod(ctx: &Context<'_>) -> rusqlite::Result<Option<(u32, u32)>> {
    if ctx.len() < 3 {
        return Ok(None);
    }
    let p: i64 = ctx.get(1)?;
    let s: i64 = ctx.get(2)?;
    if p < 0 {
        return Ok(None);
    }
    Ok(Some((p as u32, s as u32)))
}

/// `x::numeric` or `x::numeric(p,s)`: the canonical text, fitted to the type modifier.
fn to_numeric(ctx: &Context<'_>) -> rusqlite::Result<Option<String>> {
    let Some(x) = operand(ctx.get_raw(0))? else { return Ok(None) };
    let d = x.decimal();
    let d = match typmod(ctx)? {
        Some((p, s)) => d.with_typmod(p, s).map_err(decimal_error)?,
        None => d,
    };
    Ok(Some(d.to_string()))
}

/// For the triggers of numeric columns: true when the stored value is not the canonical text of its type (an
/// integer, a real, or text with other digits), so the trigger rewrites it.
fn needs_canonical(ctx: &Context<'_>) -> rusqlite::Result<bool> {
    let stored = match ctx.get_raw(0) {
        ValueRef::Null => return Ok(false),
        ValueRef::Text(t) => Some(t.to_vec()),
        _ => None,
    };
    let canonical = to_numeric(ctx)?.unwrap_or_default();
    Ok(stored.as_deref() != Some(canonical.as_bytes()))
}

/// `round`, `trunc`, `ceil`, `floor`, `abs` on any number; integers and reals keep their class (reals round half
/// to even, as PostgreSQL's `round(float8)`), decimals stay exact.
fn rounding(ctx: &Context<'_>, f: &str) -> rusqlite::Result<Value> {
    let Some(x) = operand(ctx.get_raw(0))? else { return Ok(Value::Null) };
    let digits: Option<i64> = if ctx.len() > 1 { ctx.get(1)? } else { None };
    if ctx.len() > 1 && digits.is_none() {
        return Ok(Value::Null);
    }
    Ok(match (x, digits) {
        (Operand::Int(i), None) if f == "abs" => Value::Integer(i.checked_abs().ok_or_else(bigint_overflow)?),
        (Operand::Int(i), None) => Value::Integer(i),
        (Operand::Real(r), None) => Value::Real(match f {
            "round" => r.round_ties_even(),
            "trunc" => r.trunc(),
            "ceil" => r.ceil(),
            "floor" => r.floor(),
            _ => r.abs(),
        }),
        (x, digits) => {
            let d = x.decimal();
            text(match f {
                "round" => d.round(digits.unwrap_or(0)),
                "trunc" => d.trunc(digits.unwrap_or(0)),
                "ceil" => d.floor_or_ceil(true),
                "floor" => d.floor_or_ceil(false),
                _ => d.abs(),
            })
        }
    })
}

/// Running state of `sum`/`avg`: integers add up exactly in 128 bits, a real makes the sum a double, a decimal
/// makes it exact decimal.
#[derive(Default)]
struct Sum {
    count: i64,
    int: i128,
    real: Option<f64>,
    dec: Option<Decimal>,
    /// How many decimals of each scale are in the window: the total carries the largest scale still present, as
    /// PostgreSQL's does (a window that drops `0.5` shows `1`, not `1.0`).
    scales: std::collections::BTreeMap<u32, i64>,
}

impl Sum {
    fn add(&mut self, v: ValueRef<'_>, sign: i64) -> rusqlite::Result<()> {
        let Some(x) = operand(v)? else { return Ok(()) };
        self.count += sign;
        match x {
            Operand::Int(i) => self.int += i128::from(i) * i128::from(sign),
            Operand::Real(f) => *self.real.get_or_insert(0.0) += f * sign as f64,
            Operand::Dec(d) => {
                let n = self.scales.entry(d.scale()).or_default();
                *n += sign;
                if *n == 0 {
                    self.scales.remove(&d.scale());
                }
                let d = if sign < 0 { d.neg() } else { d };
                let cur = self.dec.take().unwrap_or(Decimal::from_i64(0));
                self.dec = Some(cur.add(&d).map_err(decimal_error)?);
            }
        }
        Ok(())
    }

    /// The exact total when no real was seen.
    fn exact(&self) -> rusqlite::Result<Decimal> {
        let ints = Decimal::from_i128(self.int);
        match &self.dec {
            Some(d) => {
                let scale = self.scales.keys().next_back().copied().unwrap_or(0);
                Ok(d.add(&ints).map_err(decimal_error)?.round(i64::from(scale)))
            }
            None => Ok(ints),
        }
    }

    fn sum(&self) -> rusqlite::Result<Value> {
        if self.count == 0 {
            return Ok(Value::Null);
        }
        if let Some(r) = self.real {
            return Ok(Value::Real(r + self.exact()?.to_f64()));
        }
        if self.dec.is_none() {
            if let Ok(i) = i64::try_from(self.int) {
                return Ok(Value::Integer(i));
            }
        }
        Ok(text(self.exact()?))
    }

    fn avg(&self) -> rusqlite::Result<Value> {
        if self.count == 0 {
            return Ok(Value::Null);
        }
        if let Some(r) = self.real {
            return Ok(Value::Real((r + self.exact()?.to_f64()) / self.count as f64));
        }
        // As PostgreSQL: the average of integers or decimals is a decimal.
        self.exact()?.div(&Decimal::from_i64(self.count)).map(text).map_err(decimal_error)
    }
}

/// `pg_sum` (average: false) or `pg_avg` (true), usable as window functions.
struct SumAggregate {
    average: bool,
}

impl Aggregate<Sum, Value> for SumAggregate {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Sum> {
        Ok(Sum::default())
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut Sum) -> rusqlite::Result<()> {
        acc.add(ctx.get_raw(0), 1)
    }

    fn finalize(&self, _: &mut Context<'_>, acc: Option<Sum>) -> rusqlite::Result<Value> {
        self.value(acc.as_ref())
    }
}

impl SumAggregate {
    fn value(&self, acc: Option<&Sum>) -> rusqlite::Result<Value> {
        match acc {
            None => Ok(Value::Null),
            Some(s) if self.average => s.avg(),
            Some(s) => s.sum(),
        }
    }
}

impl WindowAggregate<Sum, Value> for SumAggregate {
    fn value(&self, acc: Option<&mut Sum>) -> rusqlite::Result<Value> {
        SumAggregate::value(self, acc.map(|a| &*a))
    }

    fn inverse(&self, ctx: &mut Context<'_>, acc: &mut Sum) -> rusqlite::Result<()> {
        acc.add(ctx.get_raw(0), -1)
    }
}

/// Splits plain decimal text into (negative, integer digits without leading zeros, fraction digits without
/// trailing zeros); `None` for anything else (exponents, NaN, infinities, garbage), which takes the slow path.
fn plain_parts(s: &str) -> Option<(bool, &str, &str)> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (i, f) = rest.split_once('.').unwrap_or((rest, ""));
    if (i.is_empty() && f.is_empty()) || !i.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (i, f) = (i.trim_start_matches('0'), f.trim_end_matches('0'));
    // Negative zero is zero.
    Some((neg && !(i.is_empty() && f.is_empty()), i, f))
}

/// The `pg_numeric` collation: numbers in numeric order; text that is not a number after every number.
pub fn collate(a: &str, b: &str) -> Ordering {
    if let (Some((na, ia, fa)), Some((nb, ib, fb))) = (plain_parts(a), plain_parts(b)) {
        let magnitude = ia.len().cmp(&ib.len()).then_with(|| ia.cmp(ib)).then_with(|| fa.cmp(fb));
        return match (na, nb) {
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        };
    }
    match (Decimal::parse(a), Decimal::parse(b)) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// Registers the numeric functions, aggregates and collation on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_collation(COLLATION, collate)?;
    for (name, op) in [
        ("pg_add", Op::Add),
        ("pg_sub", Op::Sub),
        ("pg_mul", Op::Mul),
        ("raftsql_div", Op::Div),
        ("raftsql_mod", Op::Rem),
    ] {
        conn.create_scalar_function(name, 2, exact, move |ctx: &mut Context<'_>| arithmetic(ctx, op))?;
    }
    conn.create_scalar_function("pg_neg", 1, exact, |ctx: &mut Context<'_>| negate(ctx))?;
    conn.create_scalar_function("pg_cmp", 2, exact, |ctx: &mut Context<'_>| compare(ctx))?;
    conn.create_scalar_function("pg_numeric", 1, exact, |ctx: &mut Context<'_>| to_numeric(ctx))?;
    conn.create_scalar_function("pg_numeric", 3, exact, |ctx: &mut Context<'_>| to_numeric(ctx))?;
    conn.create_scalar_function("pg_numeric_unfit", 3, exact, |ctx: &mut Context<'_>| needs_canonical(ctx))?;
    for (sql_name, name) in
        [("pg_round", "round"), ("pg_trunc", "trunc"), ("pg_ceil", "ceil"), ("pg_floor", "floor"), ("pg_abs", "abs")]
    {
        let f = move |ctx: &mut Context<'_>| rounding(ctx, name);
        conn.create_scalar_function(sql_name, 1, exact, f)?;
        if matches!(name, "round" | "trunc") {
            conn.create_scalar_function(sql_name, 2, exact, f)?;
        }
    }
    conn.create_window_function("pg_sum", 1, exact, SumAggregate { average: false })?;
    conn.create_window_function("pg_avg", 1, exact, SumAggregate { average: true })?;
    Ok(())
}

#[cfg(test)]
mod tests;
