//! What client statements may do, checked by SQLite's authorizer while a statement is prepared. On the writer:
//! no transaction control or savepoints (they would break the entry's savepoint), no ATTACH/DETACH, PRAGMA or
//! temporary objects (not part of snapshots), no changes to raftsql's own tables, and only functions on an
//! allow-list of deterministic ones (a replicated statement must end the same way on every replica). On read
//! connections: no ATTACH and no PRAGMA that sets something.

use std::cell::{Cell, RefCell};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};

/// Prefix of raftsql's own tables; clients may read them but never change them.
pub const INTERNAL_TABLE_PREFIX: &str = "__raftsql";

thread_local! {
    /// True while a client's statement is being prepared on this thread. raftsql's own statements (savepoints,
    /// meta writes) run with it false and are not restricted.
    static CLIENT_STATEMENT: Cell<bool> = const { Cell::new(false) };
    /// The first function the writer's authorizer refused, for a clear error message.
    static REFUSED_FUNCTION: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether a client statement prepared since the last `take_schema_change` creates, drops or alters a
    /// table, index, view or trigger.
    static SCHEMA_CHANGE: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as preparing a client statement until dropped.
pub struct ClientStatement(());

impl ClientStatement {
    pub fn enter() -> ClientStatement {
        CLIENT_STATEMENT.with(|c| c.set(true));
        REFUSED_FUNCTION.with(|f| f.borrow_mut().take());
        ClientStatement(())
    }
}

impl Drop for ClientStatement {
    fn drop(&mut self) {
        CLIENT_STATEMENT.with(|c| c.set(false));
    }
}

/// Lifts the client-statement rules, until dropped, for raftsql's own statements run in the middle of a client's
/// (a sequence function moving its sequence).
pub struct InternalStatement(bool);

impl InternalStatement {
    pub fn enter() -> InternalStatement {
        InternalStatement(CLIENT_STATEMENT.with(|c| c.replace(false)))
    }
}

impl Drop for InternalStatement {
    fn drop(&mut self) {
        CLIENT_STATEMENT.with(|c| c.set(self.0));
    }
}

/// The function the writer's authorizer refused in the statement being prepared, if any.
pub fn take_refused_function() -> Option<String> {
    REFUSED_FUNCTION.with(|f| f.borrow_mut().take())
}

/// Whether a client statement prepared on this thread since the last call changes the schema (and clears it).
pub fn take_schema_change() -> bool {
    SCHEMA_CHANGE.with(|c| c.replace(false))
}

/// Functions a replicated statement may call: their result depends only on their arguments, the database and
/// the entry (clock and random functions read the entry's timestamp and seed). Left out on purpose: `changes`,
/// `total_changes`, `last_insert_rowid` (per-connection state), `sqlite_version`, `sqlite_source_id`,
/// `sqlite_compileoption_*` and `version` (differ between builds), `sqlite_offset` (file layout),
/// `load_extension`. The `'localtime'` and `'utc'` modifiers of the date functions are refused at run time
/// (`determinism`), as they read the host's time zone.
const DETERMINISTIC_FUNCTIONS: &[&str] = &[
    // Core scalar functions.
    "abs",
    "char",
    "coalesce",
    "concat",
    "concat_ws",
    "format",
    "glob",
    "hex",
    "if",
    "ifnull",
    "iif",
    "instr",
    "length",
    "like",
    "likelihood",
    "likely",
    "lower",
    "ltrim",
    "max",
    "min",
    "nullif",
    "octet_length",
    "printf",
    "quote",
    "replace",
    "round",
    "rtrim",
    "sign",
    "soundex",
    "substr",
    "substring",
    "trim",
    "typeof",
    "unhex",
    "unicode",
    "unistr",
    "unistr_quote",
    "unlikely",
    "upper",
    "zeroblob",
    // Date and time (the clock is the entry's timestamp).
    "date",
    "time",
    "datetime",
    "julianday",
    "unixepoch",
    "strftime",
    "timediff",
    "current_date",
    "current_time",
    "current_timestamp",
    // Aggregates and window functions.
    "avg",
    "count",
    "group_concat",
    "string_agg",
    "sum",
    "total",
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
    // JSON.
    "json",
    "jsonb",
    "json_array",
    "jsonb_array",
    "json_array_length",
    "json_error_position",
    "json_extract",
    "jsonb_extract",
    "->",
    "->>",
    "json_insert",
    "jsonb_insert",
    "json_object",
    "jsonb_object",
    "json_patch",
    "jsonb_patch",
    "json_pretty",
    "json_remove",
    "jsonb_remove",
    "json_replace",
    "jsonb_replace",
    "json_set",
    "jsonb_set",
    "json_type",
    "json_valid",
    "json_quote",
    "json_group_array",
    "jsonb_group_array",
    "json_group_object",
    "jsonb_group_object",
    // SQLite's own, called by ALTER TABLE RENAME/DROP COLUMN to rewrite the schema text (internal: user SQL
    // cannot call them).
    "sqlite_rename_column",
    "sqlite_rename_table",
    "sqlite_rename_test",
    "sqlite_rename_quotefix",
    "sqlite_drop_column",
    // raftsql's own (seeded by the entry, or constant).
    "random",
    "randomblob",
    "gen_random_uuid",
    "now",
    "raftsql_div",
    "raftsql_mod",
    "pg_add",
    "pg_sub",
    "pg_mul",
    "pg_neg",
    "pg_cmp",
    "pg_numeric",
    "pg_numeric_unfit",
    "pg_round",
    "raftsql_table_constraints",
    "pg_array",
    "pg_jsonb_concat",
    "pg_jsonb_delete",
    "pg_jsonb_set",
    "pg_array_unfit",
    "raftsql_serial_declared",
    "raftsql_serial_kind",
    "pg_trunc",
    "pg_ceil",
    "pg_floor",
    "pg_abs",
    "pg_sum",
    "pg_avg",
    "left",
    "right",
    "repeat",
    "lpad",
    "rpad",
    "reverse",
    "split_part",
    "starts_with",
    "initcap",
    "strpos",
    "translate",
    "btrim",
    "chr",
    "ascii",
    "regexp_replace",
    "regexp_count",
    "regexp_instr",
    "regexp_substr",
    "regexp_like",
    "pg_jsonb",
    "pg_jsonb_unfit",
    "pg_json",
    "pg_json_get",
    "pg_json_get_text",
    "pg_json_path",
    "pg_jsonb_contains",
    "pg_jsonb_exists",
    "pg_jsonb_exists_any",
    "pg_jsonb_exists_all",
    "jsonb_typeof",
    "json_typeof",
    "jsonb_array_length",
    "pg_json_path_text",
    "regexp",
    "current_database",
    // Sequences: they change only the database, in the statement's transaction, or answer from the values the
    // statement carries (`db::sequences`).
    "nextval",
    "setval",
    "currval",
    "lastval",
    "pg_get_serial_sequence",
    "raftsql_check_deferred_constraints",
    "current_schema",
    "current_user",
];

/// Whether a replicated statement may call `name`.
pub fn is_deterministic_function(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    DETERMINISTIC_FUNCTIONS.contains(&lower.as_str()) || crate::db::datetime::functions::NAMES.contains(&lower.as_str())
}

/// Authorizer for the state machine's writer connection.
pub fn writer_authorizer(ctx: AuthContext<'_>) -> Authorization {
    if !CLIENT_STATEMENT.with(|c| c.get()) {
        return Authorization::Allow;
    }
    let internal = |t: &str| t.starts_with(INTERNAL_TABLE_PREFIX);
    if matches!(
        ctx.action,
        AuthAction::CreateTable { .. }
            | AuthAction::CreateIndex { .. }
            | AuthAction::CreateView { .. }
            | AuthAction::CreateTrigger { .. }
            | AuthAction::DropTable { .. }
            | AuthAction::DropIndex { .. }
            | AuthAction::DropView { .. }
            | AuthAction::DropTrigger { .. }
            | AuthAction::AlterTable { .. }
    ) {
        SCHEMA_CHANGE.with(|c| c.set(true));
    }
    match ctx.action {
        // The schema pragmas as table-valued functions only read (the catalogs are made of them).
        AuthAction::Pragma { pragma_name, pragma_value: Some(_) } if SCHEMA_PRAGMAS.contains(&pragma_name) => {
            Authorization::Allow
        }
        // SQLite's own check of the rows when ALTER TABLE ADD COLUMN brings a CHECK or NOT NULL constraint
        // (`pragma_quick_check(table)`): the translator never writes it, so only that reaches it.
        AuthAction::Pragma { pragma_name: "quick_check", pragma_value: Some(_) } => Authorization::Allow,
        AuthAction::Transaction { .. }
        | AuthAction::Savepoint { .. }
        | AuthAction::Attach { .. }
        | AuthAction::Detach { .. }
        | AuthAction::Pragma { .. }
        | AuthAction::CreateTempTable { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::CreateTempView { .. }
        | AuthAction::CreateVtable { .. }
        | AuthAction::DropVtable { .. } => Authorization::Deny,
        AuthAction::Function { function_name } if !is_deterministic_function(function_name) => {
            REFUSED_FUNCTION.with(|f| {
                let mut first = f.borrow_mut();
                if first.is_none() {
                    *first = Some(function_name.to_string());
                }
            });
            Authorization::Deny
        }
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. }
        | AuthAction::DropTable { table_name }
        | AuthAction::CreateIndex { table_name, .. }
        | AuthAction::CreateTrigger { table_name, .. }
        | AuthAction::AlterTable { table_name, .. }
            if internal(table_name) =>
        {
            Authorization::Deny
        }
        AuthAction::CreateTable { table_name } if internal(table_name) => Authorization::Deny,
        _ => Authorization::Allow,
    }
}

/// PRAGMAs that only read the schema, given a table or index name.
const SCHEMA_PRAGMAS: &[&str] =
    &["table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list"];

/// Authorizer for read-only connections: no ATTACH (it would open arbitrary files) and no PRAGMA that sets
/// something; reading PRAGMAs (`table_info` and friends) stay allowed.
pub fn reader_authorizer(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Pragma { pragma_value: Some(_), pragma_name } if !SCHEMA_PRAGMAS.contains(&pragma_name) => {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }
}
