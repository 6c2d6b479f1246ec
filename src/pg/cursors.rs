//! SQL cursors of one connection (`DECLARE`, `FETCH`, `MOVE`, `CLOSE`): each cursor's rows are read when it is
//! declared (from the transaction's snapshot, as a PostgreSQL cursor sees the data as of its declaration) and
//! then walked by position, in every direction PostgreSQL's FETCH has. Cursors without `WITH HOLD` close when
//! their transaction ends.

use crate::pg::rows::ResultColumn;
use std::collections::BTreeMap;

use crate::db::Value;
use crate::pg::dialect::session_sql::FetchDirection;

/// One open cursor.
pub struct Cursor {
    pub fields: Vec<ResultColumn>,
    rows: Vec<Vec<Value>>,
    /// Between rows, as PostgreSQL counts: 0 before the first row, `n` on row `n` (1-based), `len + 1` after
    /// the last.
    pos: usize,
    pub hold: bool,
    /// The query, as `pg_cursors` shows it.
    pub statement: String,
}

impl Cursor {
    pub fn new(fields: Vec<ResultColumn>, rows: Vec<Vec<Value>>, hold: bool, statement: String) -> Cursor {
        Cursor { fields, rows, pos: 0, hold, statement }
    }

    fn current(&self) -> Option<Vec<Value>> {
        (1..=self.rows.len()).contains(&self.pos).then(|| self.rows[self.pos - 1].clone())
    }

    /// Moves as `direction` says; returns the rows passed over (for MOVE, only their count matters).
    pub fn fetch(&mut self, direction: FetchDirection) -> Vec<Vec<Value>> {
        let len = self.rows.len();
        match direction {
            FetchDirection::Forward(n) if n < 0 => self.fetch(FetchDirection::Backward(n.saturating_neg())),
            FetchDirection::Backward(n) if n < 0 => self.fetch(FetchDirection::Forward(n.saturating_neg())),
            FetchDirection::Forward(0) | FetchDirection::Backward(0) | FetchDirection::Relative(0) => {
                self.current().into_iter().collect()
            }
            FetchDirection::Forward(n) => {
                let mut out = Vec::new();
                for _ in 0..n {
                    if self.pos >= len {
                        self.pos = len + 1;
                        break;
                    }
                    self.pos += 1;
                    out.push(self.rows[self.pos - 1].clone());
                }
                out
            }
            FetchDirection::Backward(n) => {
                let mut out = Vec::new();
                for _ in 0..n {
                    if self.pos <= 1 {
                        self.pos = 0;
                        break;
                    }
                    self.pos -= 1;
                    out.push(self.rows[self.pos - 1].clone());
                }
                out
            }
            FetchDirection::Absolute(n) => {
                let target = if n >= 0 { n } else { len as i64 + 1 + n };
                self.pos = target.clamp(0, len as i64 + 1) as usize;
                self.current().into_iter().collect()
            }
            FetchDirection::Relative(n) => {
                let target = self.pos as i64 + n;
                self.pos = target.clamp(0, len as i64 + 1) as usize;
                self.current().into_iter().collect()
            }
        }
    }
}

/// The cursors of one connection, by name.
#[derive(Default)]
pub struct Cursors {
    open: BTreeMap<String, Cursor>,
}

impl Cursors {
    pub fn contains(&self, name: &str) -> bool {
        self.open.contains_key(name)
    }

    pub fn insert(&mut self, name: String, cursor: Cursor) {
        self.open.insert(name, cursor);
    }

    /// The result columns of cursor `name` (Describe of a portal of that name).
    pub fn fields(&self, name: &str) -> Option<Vec<ResultColumn>> {
        self.open.get(name).map(|c| c.fields.clone())
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Cursor> {
        self.open.get_mut(name)
    }

    /// CLOSE name; false if there is no such cursor.
    pub fn close(&mut self, name: &str) -> bool {
        self.open.remove(name).is_some()
    }

    pub fn close_all(&mut self) {
        self.open.clear();
    }

    /// The transaction ended: cursors without WITH HOLD close.
    pub fn end_transaction(&mut self) {
        self.open.retain(|_, c| c.hold);
    }

    /// (name, statement, holdable) of each open cursor, for `pg_cursors`.
    pub fn list(&self) -> Vec<(String, String, bool)> {
        self.open.iter().map(|(n, c)| (n.clone(), c.statement.clone(), c.hold)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FetchDirection as D;

    fn cursor(n: i64) -> Cursor {
        Cursor::new(vec![], (1..=n).map(|i| vec![Value::Integer(i)]).collect(), false, String::new())
    }

    fn ids(rows: Vec<Vec<Value>>) -> Vec<i64> {
        rows.into_iter()
            .map(|r| match r[0] {
                Value::Integer(i) => i,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn fetch_walks_as_postgresql_does() {
        let mut c = cursor(5);
        assert_eq!(ids(c.fetch(D::Forward(2))), [1, 2]);
        assert_eq!(ids(c.fetch(D::Forward(0))), [2]);
        assert_eq!(ids(c.fetch(D::Forward(i64::MAX))), [3, 4, 5]);
        assert_eq!(ids(c.fetch(D::Forward(1))), Vec::<i64>::new());
        assert_eq!(ids(c.fetch(D::Backward(2))), [5, 4]);
        assert_eq!(ids(c.fetch(D::Backward(i64::MAX))), [3, 2, 1]);
        assert_eq!(ids(c.fetch(D::Forward(1))), [1]);
        assert_eq!(ids(c.fetch(D::Absolute(-1))), [5]);
        assert_eq!(ids(c.fetch(D::Absolute(3))), [3]);
        assert_eq!(ids(c.fetch(D::Relative(-2))), [1]);
        assert_eq!(ids(c.fetch(D::Relative(-1))), Vec::<i64>::new());
        assert_eq!(ids(c.fetch(D::Forward(1))), [1]);
        assert_eq!(ids(c.fetch(D::Absolute(9))), Vec::<i64>::new());
        assert_eq!(ids(c.fetch(D::Backward(1))), [5]);
        assert_eq!(ids(c.fetch(D::Forward(-2))), [4, 3]);
    }

    #[test]
    fn only_holdable_cursors_outlive_their_transaction() {
        let mut cs = Cursors::default();
        cs.insert("a".into(), cursor(1));
        cs.insert("b".into(), Cursor::new(vec![], vec![], true, "SELECT 1".into()));
        cs.end_transaction();
        assert!(!cs.contains("a") && cs.contains("b"));
        assert_eq!(cs.list(), [("b".to_string(), "SELECT 1".to_string(), true)]);
    }
}
