//! The catalog relations of fixed rows (namespaces, types, access methods, collations), of the session (the
//! database, the user, settings, cursors), and those raftsql has no rows for (enums, sequences, functions,
//! descriptions, inheritance, triggers, policies, publications...), which exist so that the queries tools send
//! still run.

use super::relations::{
    constant_rows, quote, DATABASE, DATABASE_OWNER, INFORMATION_SCHEMA, OWNER, PG_CATALOG, PG_TOAST, PUBLIC,
};
use super::sql::TYPES;
use super::Session;
use crate::pg::dialect_types::PgType::{self, Bool, Float4, Int2, Int4, Int8, Text};

pub(super) const PG_NAMESPACE: &[(&str, PgType)] =
    &[("oid", Int8), ("nspname", Text), ("nspowner", Int8), ("nspacl", Text)];

pub(super) fn pg_namespace(_: &Session) -> String {
    let rows = [
        (PG_CATALOG, "pg_catalog", OWNER),
        (PG_TOAST, "pg_toast", OWNER),
        (PUBLIC, "public", DATABASE_OWNER),
        (INFORMATION_SCHEMA, "information_schema", OWNER),
    ]
    .iter()
    .map(|(oid, name, owner)| vec![oid.to_string(), quote(name), owner.to_string(), "NULL".into()])
    .collect::<Vec<_>>();
    constant_rows(PG_NAMESPACE, &rows)
}

pub(super) const PG_TYPE: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("typname", Text),
    ("typnamespace", Int8),
    ("typowner", Int8),
    ("typlen", Int2),
    ("typbyval", Bool),
    ("typtype", Text),
    ("typcategory", Text),
    ("typispreferred", Bool),
    ("typisdefined", Bool),
    ("typdelim", Text),
    ("typrelid", Int8),
    ("typsubscript", Text),
    ("typelem", Int8),
    ("typarray", Int8),
    ("typinput", Text),
    ("typoutput", Text),
    ("typreceive", Text),
    ("typsend", Text),
    ("typbasetype", Int8),
    ("typtypmod", Int4),
    ("typndims", Int4),
    ("typcollation", Int8),
    ("typnotnull", Bool),
    ("typdefault", Text),
    ("typacl", Text),
];

pub(super) fn pg_type(_: &Session) -> String {
    let rows: Vec<Vec<String>> = TYPES
        .iter()
        .map(|t| (t.oid, t.typname, t.typlen, t.array_oid, t.category))
        .map(|(oid, name, len, array, category)| {
            let byval = (1..=8).contains(&len);
            let collation = if matches!(name, "text" | "varchar" | "bpchar") { 100 } else { 0 };
            let f = |suffix: &str| quote(&format!("{name}{suffix}"));
            vec![
                oid.to_string(),
                quote(name),
                PG_CATALOG.to_string(),
                OWNER.to_string(),
                len.to_string(),
                i32::from(byval).to_string(),
                "'b'".into(),
                quote(category),
                "0".into(),
                "1".into(),
                "','".into(),
                "0".into(),
                "'-'".into(),
                "0".into(),
                array.to_string(),
                f("in"),
                f("out"),
                f("recv"),
                f("send"),
                "0".into(),
                "-1".into(),
                "0".into(),
                collation.to_string(),
                "0".into(),
                "NULL".into(),
                "NULL".into(),
            ]
        })
        .collect();
    // One-dimensional arrays of each of them (`_int4`): what drivers look up before sending or reading arrays.
    let arrays = TYPES.iter().map(|t| (t.oid, t.typname, t.array_oid)).map(|(element, name, oid)| {
        let f = |function: &str| quote(function);
        vec![
            oid.to_string(),
            quote(&format!("_{name}")),
            PG_CATALOG.to_string(),
            OWNER.to_string(),
            "-1".into(),
            "0".into(),
            "'b'".into(),
            "'A'".into(),
            "0".into(),
            "1".into(),
            "','".into(),
            "0".into(),
            "'array_subscript_handler'".into(),
            element.to_string(),
            "0".into(),
            f("array_in"),
            f("array_out"),
            f("array_recv"),
            f("array_send"),
            "0".into(),
            "-1".into(),
            "0".into(),
            if matches!(name, "text" | "varchar" | "bpchar") { "100" } else { "0" }.into(),
            "0".into(),
            "NULL".into(),
            "NULL".into(),
        ]
    });
    let rows: Vec<Vec<String>> = rows.into_iter().chain(arrays).collect();
    constant_rows(PG_TYPE, &rows)
}

pub(super) const PG_AM: &[(&str, PgType)] = &[("oid", Int8), ("amname", Text), ("amhandler", Text), ("amtype", Text)];

pub(super) fn pg_am(_: &Session) -> String {
    let rows = vec![
        vec!["2".into(), "'heap'".into(), "'heap_tableam_handler'".into(), "'t'".into()],
        vec!["403".into(), "'btree'".into(), "'bthandler'".into(), "'i'".into()],
    ];
    constant_rows(PG_AM, &rows)
}

pub(super) const PG_DATABASE: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("datname", Text),
    ("datdba", Int8),
    ("encoding", Int4),
    ("datlocprovider", Text),
    ("datistemplate", Bool),
    ("datallowconn", Bool),
    ("datconnlimit", Int4),
    ("datfrozenxid", Int8),
    ("datminmxid", Int8),
    ("dattablespace", Int8),
    ("datcollate", Text),
    ("datctype", Text),
    ("daticulocale", Text),
    ("datcollversion", Text),
    ("datacl", Text),
];

pub(super) fn pg_database(s: &Session) -> String {
    let row = vec![
        DATABASE.to_string(),
        quote(&s.database),
        OWNER.to_string(),
        "6".into(),
        "'c'".into(),
        "0".into(),
        "1".into(),
        "-1".into(),
        "0".into(),
        "0".into(),
        "1663".into(),
        "'C'".into(),
        "'C'".into(),
        "NULL".into(),
        "NULL".into(),
        "NULL".into(),
    ];
    constant_rows(PG_DATABASE, &[row])
}

pub(super) const PG_ROLES: &[(&str, PgType)] = &[
    ("rolname", Text),
    ("rolsuper", Bool),
    ("rolinherit", Bool),
    ("rolcreaterole", Bool),
    ("rolcreatedb", Bool),
    ("rolcanlogin", Bool),
    ("rolreplication", Bool),
    ("rolconnlimit", Int4),
    ("rolpassword", Text),
    ("rolvaliduntil", Text),
    ("rolbypassrls", Bool),
    ("rolconfig", Text),
    ("oid", Int8),
];

pub(super) fn superuser(s: &Session) -> bool {
    s.settings.iter().any(|(k, v)| k == "is_superuser" && v == "on")
}

pub(super) fn pg_roles(s: &Session) -> String {
    let sup = i32::from(superuser(s)).to_string();
    let row = vec![
        quote(&s.user),
        sup.clone(),
        "1".into(),
        sup.clone(),
        sup.clone(),
        "1".into(),
        "0".into(),
        "-1".into(),
        "'********'".into(),
        "NULL".into(),
        "0".into(),
        "NULL".into(),
        OWNER.to_string(),
    ];
    constant_rows(PG_ROLES, &[row])
}

pub(super) const PG_USER: &[(&str, PgType)] = &[
    ("usename", Text),
    ("usesysid", Int8),
    ("usecreatedb", Bool),
    ("usesuper", Bool),
    ("userepl", Bool),
    ("usebypassrls", Bool),
    ("passwd", Text),
    ("valuntil", Text),
    ("useconfig", Text),
];

pub(super) fn pg_user(s: &Session) -> String {
    let sup = i32::from(superuser(s)).to_string();
    let row = vec![
        quote(&s.user),
        OWNER.to_string(),
        sup.clone(),
        sup,
        "0".into(),
        "0".into(),
        "'********'".into(),
        "NULL".into(),
        "NULL".into(),
    ];
    constant_rows(PG_USER, &[row])
}

pub(super) const PG_SETTINGS: &[(&str, PgType)] = &[
    ("name", Text),
    ("setting", Text),
    ("unit", Text),
    ("category", Text),
    ("short_desc", Text),
    ("extra_desc", Text),
    ("context", Text),
    ("vartype", Text),
    ("source", Text),
    ("min_val", Text),
    ("max_val", Text),
    ("enumvals", Text),
    ("boot_val", Text),
    ("reset_val", Text),
    ("sourcefile", Text),
    ("sourceline", Int4),
    ("pending_restart", Bool),
];

pub(super) fn pg_settings(s: &Session) -> String {
    let rows: Vec<Vec<String>> = s
        .settings
        .iter()
        .map(|(k, v)| {
            let mut row = vec![quote(crate::pg::settings::display_name(k)), quote(v)];
            row.extend(["NULL", "''", "''", "NULL", "'user'", "'string'", "'session'"].map(String::from));
            row.extend(["NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "0"].map(String::from));
            row
        })
        .collect();
    constant_rows(PG_SETTINGS, &rows)
}

pub(super) const PG_CURSORS: &[(&str, PgType)] = &[
    ("name", Text),
    ("statement", Text),
    ("is_holdable", Bool),
    ("is_binary", Bool),
    ("is_scrollable", Bool),
    ("creation_time", Text),
];

pub(super) fn pg_cursors(s: &Session) -> String {
    let rows: Vec<Vec<String>> = s
        .cursors
        .iter()
        .map(|(name, statement, hold)| {
            vec![quote(name), quote(statement), i32::from(*hold).to_string(), "0".into(), "1".into(), "NULL".into()]
        })
        .collect();
    constant_rows(PG_CURSORS, &rows)
}

/// A relation raftsql never has rows for.
macro_rules! empty {
    ($name:ident, $columns:expr) => {
        pub(super) fn $name(_: &Session) -> String {
            constant_rows($columns, &[])
        }
    };
}

pub(super) const PG_ENUM: &[(&str, PgType)] =
    &[("oid", Int8), ("enumtypid", Int8), ("enumsortorder", Float4), ("enumlabel", Text)];
empty!(pg_enum, PG_ENUM);
pub(super) const PG_PROC: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("proname", Text),
    ("pronamespace", Int8),
    ("proowner", Int8),
    ("prokind", Text),
    ("prorettype", Int8),
    ("proargtypes", Text),
    ("prosrc", Text),
];
empty!(pg_proc, PG_PROC);
pub(super) const PG_INHERITS: &[(&str, PgType)] =
    &[("inhrelid", Int8), ("inhparent", Int8), ("inhseqno", Int4), ("inhdetachpending", Bool)];
empty!(pg_inherits, PG_INHERITS);
pub(super) const PG_TRIGGER: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("tgrelid", Int8),
    ("tgparentid", Int8),
    ("tgname", Text),
    ("tgisinternal", Bool),
    ("tgenabled", Text),
];
empty!(pg_trigger, PG_TRIGGER);
pub(super) const PG_POLICY: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("polname", Text),
    ("polrelid", Int8),
    ("polcmd", Text),
    ("polpermissive", Bool),
    ("polroles", Text),
    ("polqual", Text),
    ("polwithcheck", Text),
];
empty!(pg_policy, PG_POLICY);
pub(super) const PG_STATISTIC_EXT: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("stxrelid", Int8),
    ("stxname", Text),
    ("stxnamespace", Int8),
    ("stxowner", Int8),
    ("stxstattarget", Int4),
    ("stxkeys", Text),
    ("stxkind", Text),
];
empty!(pg_statistic_ext, PG_STATISTIC_EXT);
pub(super) const PG_PUBLICATION: &[(&str, PgType)] =
    &[("oid", Int8), ("pubname", Text), ("pubowner", Int8), ("puballtables", Bool)];
empty!(pg_publication, PG_PUBLICATION);
pub(super) const PG_PUBLICATION_NAMESPACE: &[(&str, PgType)] = &[("oid", Int8), ("pnpubid", Int8), ("pnnspid", Int8)];
empty!(pg_publication_namespace, PG_PUBLICATION_NAMESPACE);
pub(super) const PG_PUBLICATION_REL: &[(&str, PgType)] =
    &[("oid", Int8), ("prpubid", Int8), ("prrelid", Int8), ("prqual", Text), ("prattrs", Text)];
empty!(pg_publication_rel, PG_PUBLICATION_REL);
pub(super) const PG_AUTH_MEMBERS: &[(&str, PgType)] =
    &[("roleid", Int8), ("member", Int8), ("grantor", Int8), ("admin_option", Bool)];
empty!(pg_auth_members, PG_AUTH_MEMBERS);

pub(super) const PG_COLLATION: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("collname", Text),
    ("collnamespace", Int8),
    ("collowner", Int8),
    ("collprovider", Text),
    ("collisdeterministic", Bool),
    ("collencoding", Int4),
    ("collcollate", Text),
    ("collctype", Text),
];

pub(super) fn pg_collation(_: &Session) -> String {
    let row = |oid: &str, name: &str, provider: &str, collate: &str| {
        vec![oid.into(), quote(name), PG_CATALOG.to_string(), OWNER.to_string(), quote(provider), "1".into()]
            .into_iter()
            .chain(["-1".to_string(), collate.to_string(), collate.to_string()])
            .collect::<Vec<String>>()
    };
    constant_rows(PG_COLLATION, &[row("100", "default", "d", "NULL"), row("950", "C", "c", "'C'")])
}

pub(super) const PG_OPCLASS: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("opcmethod", Int8),
    ("opcname", Text),
    ("opcnamespace", Int8),
    ("opcowner", Int8),
    ("opcfamily", Int8),
    ("opcintype", Int8),
    ("opcdefault", Bool),
    ("opckeytype", Int8),
];

/// Empty: every raftsql index uses its column type's default operator class (`pg_index.indclass` holds zeros),
/// and tools list only the other ones (SQLAlchemy asks for `NOT opcdefault`).
pub(super) fn pg_opclass(_: &Session) -> String {
    constant_rows(PG_OPCLASS, &[])
}

pub(super) const PG_TABLESPACE: &[(&str, PgType)] =
    &[("oid", Int8), ("spcname", Text), ("spcowner", Int8), ("spcacl", Text), ("spcoptions", Text)];

/// PostgreSQL's two built-in tablespaces; every relation is in the default one (`reltablespace` 0).
pub(super) fn pg_tablespace(_: &Session) -> String {
    let row = |oid: &str, name: &str| vec![oid.into(), quote(name), OWNER.to_string(), "NULL".into(), "NULL".into()];
    constant_rows(PG_TABLESPACE, &[row("1663", "pg_default"), row("1664", "pg_global")])
}

pub(super) const PG_RANGE: &[(&str, PgType)] = &[
    ("rngtypid", Int8),
    ("rngsubtype", Int8),
    ("rngmultitypid", Int8),
    ("rngcollation", Int8),
    ("rngsubopc", Int8),
    ("rngcanonical", Text),
    ("rngsubdiff", Text),
];

/// Empty: raftsql has no range types.
pub(super) fn pg_range(_: &Session) -> String {
    constant_rows(PG_RANGE, &[])
}
