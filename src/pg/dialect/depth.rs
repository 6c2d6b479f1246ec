//! Guards against statements nested deeply enough to overflow the stack when visited or printed.

use super::xform::MAX_EXPR_DEPTH;
use super::*;

/// The 54001 error for trees nested too deeply.
pub(super) fn too_deep() -> DialectError {
    DialectError { sqlstate: "54001", message: "stack depth limit exceeded: expression is nested too deeply".into() }
}

/// Length of the left spine of a binary-operator chain (`a + b + c ...`), counted without recursion.
pub(super) fn spine_len(mut e: &Expr) -> usize {
    let mut n = 0;
    while let Expr::BinaryOp { left, .. } = e {
        n += 1;
        e = left;
    }
    n
}

/// Drops a deep binary-operator chain iteratively, so that dropping it cannot overflow the stack.
pub(super) fn dismantle_expr(e: Expr) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if let Expr::BinaryOp { left, right, .. } = e {
            stack.push(*left);
            stack.push(*right);
        }
    }
}

/// Depth of nested set operations (`SELECT .. UNION SELECT .. UNION ..`), counted without recursion.
pub(super) fn set_depth(body: &SetExpr) -> usize {
    let mut max = 0;
    let mut stack = vec![(body, 1usize)];
    while let Some((b, d)) = stack.pop() {
        max = max.max(d);
        if let SetExpr::SetOperation { left, right, .. } = b {
            stack.push((left, d + 1));
            stack.push((right, d + 1));
        }
    }
    max
}

/// Drops deep set operations iteratively.
pub(super) fn dismantle_set(body: SetExpr) {
    let mut stack = vec![body];
    while let Some(b) = stack.pop() {
        if let SetExpr::SetOperation { left, right, .. } = b {
            stack.push(*left);
            stack.push(*right);
        }
    }
}

/// Whether `stmt` nests no deeper than the translation accepts (`MAX_EXPR_DEPTH`): what may be cloned or walked
/// recursively without risking the stack. Stops as soon as it knows.
pub(super) fn shallow(stmt: &Statement) -> bool {
    struct Probe {
        depth: usize,
    }
    impl sqlparser::ast::Visitor for Probe {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            match set_depth(&q.body) > MAX_EXPR_DEPTH {
                true => ControlFlow::Break(()),
                false => ControlFlow::Continue(()),
            }
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            self.depth += 1;
            match self.depth + spine_len(e) > MAX_EXPR_DEPTH {
                true => ControlFlow::Break(()),
                false => ControlFlow::Continue(()),
            }
        }
        fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
    }
    sqlparser::ast::Visit::visit(stmt, &mut Probe { depth: 0 }).is_continue()
}
