//! FROM items for SQLite: table functions (`generate_series`, `unnest`), the `json_each` this translation
//! writes, catalog relations, aliases, and derived tables with column lists.

use super::*;

impl Xform {
    /// A FROM item before its parts are visited: table functions become SQLite's, catalog relations their
    /// placeholders, aliases of user tables are noted, derived tables' column lists become their columns' names.
    pub(super) fn rewrite_from_item(&mut self, tf: &mut TableFactor) -> ControlFlow<DialectError> {
        match tf {
            // The `json_each` of an UNNEST this translation wrote.
            TableFactor::Table { name, alias: Some(a), args: Some(_), .. }
                if last_part(name) == "json_each" && a.name.value.starts_with("__u") =>
            {
                self.array_arguments += 1;
                ControlFlow::Continue(())
            }
            // The `json_each` of a catalog array expanded in a select list or FROM (`catalog_arrays`,
            // `catalog_unnest`).
            TableFactor::Table { name, alias: Some(a), args: Some(_), .. }
                if last_part(name) == "json_each" && a.name.value.starts_with("__srf") =>
            {
                ControlFlow::Continue(())
            }
            TableFactor::Table { name, alias, args: Some(args), .. } => {
                match series::table_function(name, &args.args, alias.as_ref()) {
                    Ok(derived) => *tf = derived,
                    Err(e) => return ControlFlow::Break(e),
                }
                if series::is_generated(tf) {
                    self.native_arithmetic += 1;
                }
                ControlFlow::Continue(())
            }
            TableFactor::Table { name, alias, .. } => {
                if catalog_refs::relation(name, alias) {
                    return ControlFlow::Continue(());
                }
                if let Some(a) = alias {
                    self.aliases.push((a.name.value.clone(), last_part(name)));
                }
                ControlFlow::Continue(())
            }
            TableFactor::Derived { subquery, alias: Some(alias), .. } if !alias.columns.is_empty() => {
                // SQLite has no column list on a derived table's alias: name the subquery's own columns instead.
                let names: Vec<Ident> = alias.columns.drain(..).map(|c| c.name).collect();
                match series::name_columns(subquery, &names) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(e) => ControlFlow::Break(e),
                }
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            TableFactor::UNNEST { alias, array_exprs, with_offset: false, with_ordinality: false, .. } => {
                match series::unnest_arrays(array_exprs, alias.as_ref()) {
                    Ok(derived) => *tf = derived,
                    Err(e) => return ControlFlow::Break(e),
                }
                ControlFlow::Continue(())
            }
            TableFactor::UNNEST { .. } => unsupported_expr("UNNEST WITH ORDINALITY"),
            _ => unsupported_expr("this FROM item"),
        }
    }
}
