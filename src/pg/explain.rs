//! EXPLAIN's answer: SQLite's `EXPLAIN QUERY PLAN` rows (id, parent, unused, detail) as PostgreSQL prints a
//! plan, one text line per node, children indented under their parent with `->`.

use crate::db::Value;

/// The QUERY PLAN lines of SQLite's plan rows.
pub fn plan_rows(rows: &[Vec<Value>]) -> Vec<Vec<Value>> {
    let int = |v: Option<&Value>| match v {
        Some(Value::Integer(i)) => *i,
        _ => 0,
    };
    let mut depths: Vec<(i64, usize)> = Vec::new();
    rows.iter()
        .map(|row| {
            let (id, parent) = (int(row.first()), int(row.get(1)));
            let depth = depths.iter().find(|(i, _)| *i == parent).map_or(0, |(_, d)| d + 1);
            depths.push((id, depth));
            let detail = match row.get(3) {
                Some(Value::Text(t)) => t.clone(),
                _ => String::new(),
            };
            let line = if depth == 0 { detail } else { format!("{}->  {detail}", "  ".repeat(depth * 3 - 2)) };
            vec![Value::Text(line)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_children_under_their_parents() {
        let row = |id: i64, parent: i64, detail: &str| {
            vec![Value::Integer(id), Value::Integer(parent), Value::Integer(0), Value::Text(detail.into())]
        };
        let lines: Vec<Vec<Value>> = plan_rows(&[
            row(2, 0, "SCAN t"),
            row(5, 2, "SEARCH u USING INDEX u_a (a=?)"),
            row(9, 0, "USE TEMP B-TREE FOR ORDER BY"),
        ]);
        let text: Vec<String> = lines
            .into_iter()
            .map(|r| match &r[0] {
                Value::Text(t) => t.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(text, ["SCAN t", "  ->  SEARCH u USING INDEX u_a (a=?)", "USE TEMP B-TREE FOR ORDER BY"]);
    }
}
