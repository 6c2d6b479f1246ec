//! Dates, times and intervals in the translation: casts to the date/time types, `INTERVAL '...'` literals,
//! `AT TIME ZONE`, `EXTRACT`, `CURRENT_DATE`/`LOCALTIMESTAMP`, and `make_interval`'s named arguments, as calls
//! of `db::datetime::functions` (which read the session's zone when the statement runs).

use super::*;
use crate::db::datetime::functions::Target;

/// The cast function of a date/time type (`pg_timestamptz`, ...), `None` for other types.
pub(super) fn cast_function(pg: PgType) -> Option<&'static str> {
    let target = match pg {
        PgType::Date => Target::Date,
        PgType::Time => Target::Time,
        PgType::Timestamp => Target::Timestamp,
        PgType::Timestamptz => Target::TimestampTz,
        PgType::Interval => Target::Interval,
        _ => return None,
    };
    Some(target.function())
}

/// `e::text` of a value that may be a timestamptz: shown in the session's zone, as PostgreSQL casts it. A
/// literal is text already.
pub(super) fn text_cast(e: Expr) -> Expr {
    match &e {
        Expr::Value(_) => e,
        _ => call("pg_zoned", vec![e]),
    }
}

fn take(e: &mut Expr) -> Expr {
    std::mem::replace(e, Expr::Value(Value::Null.into()))
}

/// The unit name of an EXTRACT field (`YEAR` → `year`, `EPOCH` → `epoch`).
fn field_name(field: &DateTimeField) -> String {
    match field {
        DateTimeField::Custom(ident) => ident.value.to_ascii_lowercase(),
        DateTimeField::Week(_) => "week".into(),
        other => other.to_string().to_ascii_lowercase(),
    }
}

/// `INTERVAL '1' DAY`, `INTERVAL '1 day'`: the interval's text with its unit.
fn interval_literal(iv: &sqlparser::ast::Interval) -> Result<Expr, DialectError> {
    let value = match iv.value.as_ref() {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => s.clone(),
            Value::Number(n, _) => n.clone(),
            _ => return Err(DialectError::unsupported("this interval literal is not supported")),
        },
        _ => return Err(DialectError::unsupported("this interval literal is not supported")),
    };
    let text = match (&iv.leading_field, &iv.last_field) {
        (Some(unit), None) if value.trim().parse::<f64>().is_ok() => format!("{value} {}", field_name(unit)),
        _ => value,
    };
    Ok(call("pg_interval", vec![string_literal(&text)]))
}

/// The date/time rewrite of `e` (its operands already translated), `None` when `e` is not one of these forms.
pub(super) fn rewrite(e: &mut Expr) -> Option<Result<Expr, DialectError>> {
    Some(match e {
        Expr::Interval(iv) => interval_literal(iv),
        Expr::AtTimeZone { timestamp, time_zone } => {
            Ok(call("pg_at_time_zone", vec![take(timestamp.as_mut()), take(time_zone.as_mut())]))
        }
        Expr::Extract { field, expr, .. } => {
            Ok(call("pg_extract", vec![string_literal(&field_name(field)), take(expr.as_mut())]))
        }
        Expr::Function(f) if matches!(f.args, FunctionArguments::None) => {
            let now = || call("now", vec![]);
            match last_part(&f.name).to_ascii_lowercase().as_str() {
                "current_date" => Ok(call("pg_date", vec![now()])),
                "localtimestamp" => Ok(call("pg_timestamp", vec![now()])),
                "localtime" => Ok(call("pg_time", vec![now()])),
                _ => return None,
            }
        }
        Expr::Function(f) => return rewrite_function(f),
        _ => return None,
    })
}

/// The date/time functions PostgreSQL has under other names or argument forms.
pub(super) fn rewrite_function(f: &mut Function) -> Option<Result<Expr, DialectError>> {
    let name = last_part(&f.name).to_ascii_lowercase();
    Some(match name.as_str() {
        // One clock per statement, as raftsql's now() (the entry's time on every replica).
        "statement_timestamp" | "transaction_timestamp" | "clock_timestamp" => Ok(call("now", vec![])),
        "make_interval" => make_interval(f),
        _ => return None,
    })
}

/// `make_interval(days => 3)`: PostgreSQL's seven parameters in order, the ones not given 0.
fn make_interval(f: &mut Function) -> Result<Expr, DialectError> {
    const NAMES: [&str; 7] = ["years", "months", "weeks", "days", "hours", "mins", "secs"];
    let zero = || Expr::Value(Value::Number("0".into(), false).into());
    let mut args: Vec<Expr> = (0..7).map(|_| zero()).collect();
    let FunctionArguments::List(list) = &mut f.args else { return Ok(call("make_interval", args)) };
    for (i, arg) in list.args.iter_mut().enumerate() {
        let (slot, value) = match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => (i, e),
            FunctionArg::Named { name, arg: FunctionArgExpr::Expr(e), .. }
            | FunctionArg::ExprNamed { name: Expr::Identifier(name), arg: FunctionArgExpr::Expr(e), .. } => {
                let Some(slot) = NAMES.iter().position(|n| name.value.eq_ignore_ascii_case(n)) else {
                    return Err(DialectError {
                        sqlstate: "42883",
                        message: format!("function make_interval has no parameter \"{}\"", name.value),
                    });
                };
                (slot, e)
            }
            _ => return Err(DialectError::unsupported("this make_interval argument is not supported")),
        };
        if slot >= 7 {
            return Err(DialectError { sqlstate: "42883", message: "make_interval takes at most 7 arguments".into() });
        }
        args[slot] = take(value);
    }
    Ok(call("make_interval", args))
}
