//! Row encoding for the wire: each value in its column's type and format, as DataRow messages and as the
//! QueryResponse that pgwire streams.

use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use futures::stream;
use pgwire::api::portal::Format;
use pgwire::api::results::{FieldFormat, FieldInfo, QueryResponse};
use pgwire::api::Type;
use pgwire::error::PgWireResult;
use pgwire::messages::data::DataRow;

use crate::db::datetime::zone::{with_zone, Zone};
use crate::db::Value;
use crate::pg::types::{encode_binary, encode_text};

/// Encodes one row for a DataRow message, each value in its column's type and format.
pub fn encode_row(values: &[Value], fields: &[FieldInfo]) -> PgWireResult<DataRow> {
    let mut buf = BytesMut::with_capacity(64);
    for (v, f) in values.iter().zip(fields) {
        let encoded = match f.format() {
            FieldFormat::Binary => encode_binary(v, f.datatype()),
            FieldFormat::Text => encode_text(v, f.datatype()),
        }?;
        match encoded {
            None => buf.put_i32(-1),
            Some(bytes) => {
                buf.put_i32(bytes.len() as i32);
                buf.put_slice(&bytes);
            }
        }
    }
    Ok(DataRow::new(buf, fields.len() as i16))
}

/// A result column as RowDescription describes it: name, type, and the type modifier (`varchar(20)`'s 24,
/// `numeric(10,2)`'s packed precision and scale, else -1) that drivers turn into lengths and precisions.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultColumn {
    pub name: String,
    pub ty: Type,
    pub typmod: i32,
}

impl ResultColumn {
    /// A column without a type modifier.
    pub fn new(name: impl Into<String>, ty: Type) -> ResultColumn {
        ResultColumn { name: name.into(), ty, typmod: -1 }
    }

    /// A column of a declared type (`VARCHAR(20)`, `NUMERIC_TEXT(10,2)`): its modifier comes from the declaration.
    pub fn declared(name: impl Into<String>, ty: Type, decl: Option<&str>) -> ResultColumn {
        ResultColumn { name: name.into(), ty, typmod: decl.map_or(-1, crate::pg::catalog::decl_typmod) }
    }
}

/// Field descriptions of result columns in the formats the client asked for.
pub fn field_infos(fields: &[ResultColumn], format: &Format) -> Vec<FieldInfo> {
    fields
        .iter()
        .enumerate()
        .map(|(i, c)| {
            FieldInfo::new(c.name.clone(), None, None, c.ty.clone(), format.format_for(i))
                .with_type_size(crate::pg::catalog::typlen(c.ty.oid()))
                .with_type_modifier(c.typmod)
        })
        .collect()
}

/// A QueryResponse over rows already in memory, timestamptz values shown in `zone` (the session's).
pub fn query_response(fields: Vec<FieldInfo>, rows: Vec<Vec<Value>>, tag: String, zone: Zone) -> QueryResponse {
    let fields = Arc::new(fields);
    let encoded: Vec<PgWireResult<DataRow>> = with_zone(zone, || rows.iter().map(|r| encode_row(r, &fields)).collect());
    let mut response = QueryResponse::new(fields, stream::iter(encoded));
    response.command_tag = tag;
    response
}
