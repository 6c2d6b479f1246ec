//! PostgreSQL's `numeric`: an exact decimal (arbitrary-precision integer and a decimal scale) with PostgreSQL's
//! rules for result scales, rounding (half away from zero), NaN and infinities, and its limits.
//!
//! The scale is PostgreSQL's display scale: `1.50` keeps two fraction digits, `1.50 * 2` has two, `1.5 * 1.50` has
//! three, and division picks its scale as PostgreSQL's `select_div_scale` does, so results print digit for digit
//! as PostgreSQL prints them.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

/// Most fraction digits a value may carry (PostgreSQL's `NUMERIC_DSCALE_MAX`).
pub const MAX_SCALE: u32 = 16383;
/// Most digits before the decimal point (PostgreSQL's limit: weight 32767 in base-10000 digits).
pub const MAX_INTEGER_DIGITS: u64 = 131072;
/// Largest scale division and functions choose on their own (PostgreSQL's `NUMERIC_MAX_DISPLAY_SCALE`).
const MAX_DISPLAY_SCALE: i64 = 1000;
/// Fewest significant digits a quotient gets (PostgreSQL's `NUMERIC_MIN_SIG_DIGITS`).
const MIN_SIG_DIGITS: i64 = 16;

/// A PostgreSQL numeric value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decimal {
    NaN,
    /// `Infinity` (false) or `-Infinity` (true).
    Inf(bool),
    /// `mantissa × 10^-scale`.
    Finite {
        mantissa: BigInt,
        scale: u32,
    },
}

/// A numeric error: SQLSTATE and PostgreSQL's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalError {
    pub sqlstate: &'static str,
    pub message: String,
}

impl DecimalError {
    fn new(sqlstate: &'static str, message: impl Into<String>) -> Self {
        DecimalError { sqlstate, message: message.into() }
    }

    /// 22003 "value overflows numeric format".
    pub fn overflow() -> Self {
        DecimalError::new("22003", "value overflows numeric format")
    }

    /// 22P02 for text that is not a number.
    pub fn syntax(input: &str) -> Self {
        DecimalError::new("22P02", format!("invalid input syntax for type numeric: \"{input}\""))
    }
}

fn pow10(n: u32) -> BigInt {
    num_traits::pow(BigInt::from(10), n as usize)
}

impl Decimal {
    /// An integer.
    pub fn from_i64(v: i64) -> Decimal {
        Decimal::Finite { mantissa: BigInt::from(v), scale: 0 }
    }

    /// A 128-bit integer.
    pub fn from_i128(v: i128) -> Decimal {
        Decimal::Finite { mantissa: BigInt::from(v), scale: 0 }
    }

    /// A double as PostgreSQL converts `float8` to `numeric`: its 15 significant digits.
    pub fn from_f64(v: f64) -> Decimal {
        if v.is_nan() {
            return Decimal::NaN;
        }
        if v.is_infinite() {
            return Decimal::Inf(v < 0.0);
        }
        let text = format!("{v:.14e}");
        let parsed = Decimal::parse(&text).unwrap_or(Decimal::from_i64(0));
        parsed.without_trailing_zeros()
    }

    /// Parses PostgreSQL's numeric input: `[+-]digits[.digits][e[+-]digits]`, `NaN`, `[+-]Infinity`/`inf`,
    /// surrounded by optional white space.
    pub fn parse(input: &str) -> Result<Decimal, DecimalError> {
        let t = input.trim_matches(|c: char| c.is_ascii_whitespace());
        let (neg, rest) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        if rest.eq_ignore_ascii_case("nan") {
            return if t.len() == rest.len() { Ok(Decimal::NaN) } else { Err(DecimalError::syntax(input)) };
        }
        if rest.eq_ignore_ascii_case("infinity") || rest.eq_ignore_ascii_case("inf") {
            return Ok(Decimal::Inf(neg));
        }
        let (mant, exp) = match rest.find(['e', 'E']) {
            Some(p) => (&rest[..p], Some(&rest[p + 1..])),
            None => (rest, None),
        };
        let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (ip.is_empty() && fp.is_empty()) || !digits_ok(ip) || !digits_ok(fp) {
            return Err(DecimalError::syntax(input));
        }
        let exp: i64 = match exp {
            Some(e) => {
                let body = e.strip_prefix(['+', '-']).unwrap_or(e);
                if body.is_empty() || !digits_ok(body) {
                    return Err(DecimalError::syntax(input));
                }
                // Beyond this the value could not be represented whatever its digits.
                e.parse::<i64>().ok().filter(|x| x.abs() <= 1_000_000).ok_or_else(DecimalError::overflow)?
            }
            None => 0,
        };
        let all = format!("{ip}{fp}");
        // Decide the hopeless cases before building a number 10^exp large: too many integer digits overflow,
        // and a value entirely below the last fraction digit kept rounds to zero.
        let significant = all.trim_start_matches('0').len() as i64;
        let scale = fp.len() as i64 - exp;
        if significant > 0 && significant - scale > MAX_INTEGER_DIGITS as i64 {
            return Err(DecimalError::overflow());
        }
        if scale - i64::from(MAX_SCALE) > significant + 1 {
            return Ok(Decimal::Finite { mantissa: BigInt::zero(), scale: MAX_SCALE });
        }
        let mut mantissa = BigInt::parse_bytes(all.as_bytes(), 10).unwrap_or_default();
        if neg {
            mantissa = -mantissa;
        }
        let value = if scale >= 0 {
            Decimal::Finite { mantissa, scale: u32::try_from(scale).map_err(|_| DecimalError::overflow())? }
        } else {
            Decimal::Finite { mantissa: mantissa * pow10((-scale) as u32), scale: 0 }
        };
        value.checked()
    }

    /// The value when within PostgreSQL's limits, else 22003.
    fn checked(self) -> Result<Decimal, DecimalError> {
        if let Decimal::Finite { mantissa, scale } = &self {
            if *scale > MAX_SCALE {
                // PostgreSQL rounds input beyond its scale limit away instead of failing.
                return self.round(MAX_SCALE as i64).checked();
            }
            if integer_digits(mantissa, *scale) > MAX_INTEGER_DIGITS {
                return Err(DecimalError::overflow());
            }
        }
        Ok(self)
    }

    /// True for a finite zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Decimal::Finite { mantissa, .. } if mantissa.is_zero())
    }

    /// The display scale (fraction digits); 0 for NaN and infinities.
    pub fn scale(&self) -> u32 {
        match self {
            Decimal::Finite { scale, .. } => *scale,
            _ => 0,
        }
    }

    /// The same value carried at `scale` fraction digits (only ever widening).
    fn widened(mantissa: &BigInt, from: u32, to: u32) -> BigInt {
        if to > from {
            mantissa * pow10(to - from)
        } else {
            mantissa.clone()
        }
    }

    fn without_trailing_zeros(self) -> Decimal {
        match self {
            Decimal::Finite { mut mantissa, mut scale } => {
                let ten = BigInt::from(10);
                while scale > 0 {
                    let (q, r) = mantissa.div_rem(&ten);
                    if !r.is_zero() {
                        break;
                    }
                    mantissa = q;
                    scale -= 1;
                }
                Decimal::Finite { mantissa, scale }
            }
            other => other,
        }
    }

    /// `self + other`, at the larger scale.
    pub fn add(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        use Decimal::*;
        match (self, other) {
            (NaN, _) | (_, NaN) => Ok(NaN),
            (Inf(a), Inf(b)) => Ok(if a == b { Inf(*a) } else { NaN }),
            (Inf(a), _) | (_, Inf(a)) => Ok(Inf(*a)),
            (Finite { mantissa: a, scale: sa }, Finite { mantissa: b, scale: sb }) => {
                let s = (*sa).max(*sb);
                Finite { mantissa: Self::widened(a, *sa, s) + Self::widened(b, *sb, s), scale: s }.checked()
            }
        }
    }

    /// `-self`.
    pub fn neg(&self) -> Decimal {
        match self {
            Decimal::NaN => Decimal::NaN,
            Decimal::Inf(n) => Decimal::Inf(!n),
            Decimal::Finite { mantissa, scale } => Decimal::Finite { mantissa: -mantissa, scale: *scale },
        }
    }

    /// `self - other`.
    pub fn sub(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        self.add(&other.neg())
    }

    /// `self * other`: the scales add up.
    pub fn mul(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        use Decimal::*;
        match (self, other) {
            (NaN, _) | (_, NaN) => Ok(NaN),
            (Inf(_), x) | (x, Inf(_)) if x.is_zero() => Ok(NaN),
            (Inf(_), _) | (_, Inf(_)) => Ok(Inf(self.signum() * other.signum() < 0)),
            (Finite { mantissa: a, scale: sa }, Finite { mantissa: b, scale: sb }) => {
                Finite { mantissa: a * b, scale: sa + sb }.checked()
            }
        }
    }

    /// -1, 0 or 1 (0 for NaN).
    fn signum(&self) -> i32 {
        match self {
            Decimal::NaN => 0,
            Decimal::Inf(n) => {
                if *n {
                    -1
                } else {
                    1
                }
            }
            Decimal::Finite { mantissa, .. } => match mantissa.sign() {
                Sign::Minus => -1,
                Sign::NoSign => 0,
                Sign::Plus => 1,
            },
        }
    }

    /// `self / other` at the scale PostgreSQL's `select_div_scale` picks; 22012 when dividing by zero.
    pub fn div(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        use Decimal::*;
        if other.is_zero() {
            return Err(DecimalError::new("22012", "division by zero"));
        }
        match (self, other) {
            (NaN, _) | (_, NaN) | (Inf(_), Inf(_)) => Ok(NaN),
            (Inf(_), _) => Ok(Inf(self.signum() * other.signum() < 0)),
            (_, Inf(_)) => Ok(Decimal::from_i64(0)),
            (Finite { mantissa: a, scale: sa }, Finite { mantissa: b, scale: sb }) => {
                let rscale = self.div_scale(other);
                // a/10^sa ÷ b/10^sb, to rscale digits: (a × 10^(rscale + sb)) ÷ (b × 10^sa), rounded.
                let n = a * pow10(rscale + sb);
                let d = b * pow10(*sa);
                Finite { mantissa: round_quotient(&n, &d), scale: rscale }.checked()
            }
        }
    }

    /// The scale of a quotient (PostgreSQL's `select_div_scale`): at least 16 significant digits, never fewer
    /// fraction digits than either operand has.
    fn div_scale(&self, other: &Decimal) -> u32 {
        let (w1, f1) = self.leading_base10000();
        let (w2, f2) = other.leading_base10000();
        let mut qweight = w1 - w2;
        if f1 <= f2 {
            qweight -= 1;
        }
        let rscale = (MIN_SIG_DIGITS - qweight * 4)
            .max(i64::from(self.scale()))
            .max(i64::from(other.scale()))
            .clamp(0, MAX_DISPLAY_SCALE);
        rscale as u32
    }

    /// The weight and value of the first nonzero base-10000 digit, as PostgreSQL stores numerics ((0, 0) for zero).
    fn leading_base10000(&self) -> (i64, u64) {
        let Decimal::Finite { mantissa, scale } = self else { return (0, 0) };
        if mantissa.is_zero() {
            return (0, 0);
        }
        let digits = mantissa.abs().to_string();
        // Decimal exponent of the leading digit, then the base-10000 group holding it.
        let exp10 = digits.len() as i64 - 1 - i64::from(*scale);
        let weight = exp10.div_euclid(4);
        let in_group = (exp10 - weight * 4 + 1) as usize;
        let lead: String = digits.chars().take(in_group).collect();
        let pad = in_group.saturating_sub(digits.len());
        let first = lead.parse::<u64>().unwrap_or(0) * 10u64.pow(pad as u32);
        (weight, first)
    }

    /// `self % other`: the remainder of truncating division, with the sign of `self`.
    pub fn rem(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        use Decimal::*;
        if other.is_zero() {
            return Err(DecimalError::new("22012", "division by zero"));
        }
        match (self, other) {
            (NaN, _) | (_, NaN) | (Inf(_), _) => Ok(NaN),
            (x, Inf(_)) => Ok(x.clone()),
            (Finite { mantissa: a, scale: sa }, Finite { mantissa: b, scale: sb }) => {
                let s = (*sa).max(*sb);
                let r = Self::widened(a, *sa, s) % Self::widened(b, *sb, s);
                Ok(Finite { mantissa: r, scale: s })
            }
        }
    }

    /// Rounded to `digits` fraction digits (negative rounds left of the point), half away from zero. The result
    /// has `max(digits, 0)` fraction digits, as PostgreSQL's `round(numeric, int)`.
    pub fn round(&self, digits: i64) -> Decimal {
        self.rescale(digits, true)
    }

    /// Truncated towards zero to `digits` fraction digits, as PostgreSQL's `trunc(numeric, int)`.
    pub fn trunc(&self, digits: i64) -> Decimal {
        self.rescale(digits, false)
    }

    fn rescale(&self, digits: i64, round: bool) -> Decimal {
        let Decimal::Finite { mantissa, scale } = self else { return self.clone() };
        let digits = digits.clamp(-(MAX_INTEGER_DIGITS as i64) - 1, i64::from(MAX_SCALE));
        let out_scale = digits.max(0) as u32;
        if digits >= i64::from(*scale) {
            return Decimal::Finite { mantissa: Self::widened(mantissa, *scale, out_scale), scale: out_scale };
        }
        // Drop (scale - digits) digits, then put back zeros for a negative `digits`.
        let drop = (i64::from(*scale) - digits) as u32;
        let d = pow10(drop);
        let q = if round { round_quotient(mantissa, &d) } else { mantissa / &d };
        let back = (out_scale as i64 - digits) as u32;
        Decimal::Finite { mantissa: q * pow10(back), scale: out_scale }
    }

    /// The largest integer not above the value (`floor`), or the smallest not below (`ceil`).
    pub fn floor_or_ceil(&self, ceil: bool) -> Decimal {
        let Decimal::Finite { mantissa, scale } = self else { return self.clone() };
        let d = pow10(*scale);
        let (q, r) = mantissa.div_mod_floor(&d);
        let q = if ceil && !r.is_zero() { q + 1 } else { q };
        Decimal::Finite { mantissa: q, scale: 0 }
    }

    /// The absolute value.
    pub fn abs(&self) -> Decimal {
        match self {
            Decimal::Inf(_) => Decimal::Inf(false),
            Decimal::Finite { mantissa, scale } => Decimal::Finite { mantissa: mantissa.abs(), scale: *scale },
            Decimal::NaN => Decimal::NaN,
        }
    }

    /// The value fitted to `numeric(precision, scale)`: rounded to `scale` fraction digits, then 22003 if it has
    /// more than `precision - scale` integer digits. Infinities do not fit a declared precision.
    pub fn with_typmod(&self, precision: u32, scale: u32) -> Result<Decimal, DecimalError> {
        // PostgreSQL's DETAIL ("A field with precision 5, scale 2 must round to ...") has no place here.
        let overflow = || DecimalError::new("22003", "numeric field overflow");
        match self {
            Decimal::NaN => Ok(Decimal::NaN),
            Decimal::Inf(_) => Err(overflow()),
            Decimal::Finite { .. } => {
                let rounded = self.round(i64::from(scale));
                let Decimal::Finite { mantissa, scale: s } = &rounded else { unreachable!() };
                if !mantissa.is_zero() && integer_digits(mantissa, *s) > u64::from(precision.saturating_sub(scale)) {
                    return Err(overflow());
                }
                Ok(rounded)
            }
        }
    }

    /// The nearest double.
    pub fn to_f64(&self) -> f64 {
        match self {
            Decimal::NaN => f64::NAN,
            Decimal::Inf(n) => {
                if *n {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            Decimal::Finite { .. } => self.to_string().parse().unwrap_or(f64::NAN),
        }
    }

    /// The value as an `i64` when it is an integer that fits.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Decimal::Finite { mantissa, scale: 0 } => mantissa.to_i64(),
            _ => None,
        }
    }

    /// Total order as PostgreSQL sorts numerics: -Infinity, the numbers, Infinity, then NaN (equal to itself).
    /// `1.0` and `1.00` are equal.
    pub fn total_cmp(&self, other: &Decimal) -> Ordering {
        use Decimal::*;
        let rank = |d: &Decimal| match d {
            Inf(true) => 0,
            Finite { .. } => 1,
            Inf(false) => 2,
            NaN => 3,
        };
        match (self, other) {
            (Finite { mantissa: a, scale: sa }, Finite { mantissa: b, scale: sb }) => {
                if sa == sb {
                    return a.cmp(b);
                }
                let s = (*sa).max(*sb);
                Self::widened(a, *sa, s).cmp(&Self::widened(b, *sb, s))
            }
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

/// Digits before the decimal point of `mantissa × 10^-scale` (0 for values below 1).
fn integer_digits(mantissa: &BigInt, scale: u32) -> u64 {
    if mantissa.is_zero() {
        return 0;
    }
    let bits = mantissa.bits();
    // Cheap bound first: 2^bits < 10^(bits * 0.302 + 1), so a small value is never stringified.
    let approx = (bits as f64 * std::f64::consts::LOG10_2) as u64 + 1;
    let digits = if approx <= 38 || approx.saturating_sub(u64::from(scale)) + 2 >= MAX_INTEGER_DIGITS {
        mantissa.abs().to_string().len() as u64
    } else {
        approx
    };
    digits.saturating_sub(u64::from(scale))
}

/// `n / d` rounded half away from zero.
fn round_quotient(n: &BigInt, d: &BigInt) -> BigInt {
    let (q, r) = n.div_rem(d);
    if (r.abs() * 2) >= d.abs() {
        if (n.sign() == Sign::Minus) != (d.sign() == Sign::Minus) {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decimal::NaN => f.write_str("NaN"),
            Decimal::Inf(true) => f.write_str("-Infinity"),
            Decimal::Inf(false) => f.write_str("Infinity"),
            Decimal::Finite { mantissa, scale } => {
                let digits = mantissa.abs().to_string();
                let scale = *scale as usize;
                if mantissa.sign() == Sign::Minus {
                    f.write_str("-")?;
                }
                if scale == 0 {
                    return f.write_str(&digits);
                }
                let padded = if digits.len() <= scale {
                    format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
                } else {
                    digits
                };
                let (i, fr) = padded.split_at(padded.len() - scale);
                write!(f, "{i}.{fr}")
            }
        }
    }
}

#[cfg(test)]
mod tests;
