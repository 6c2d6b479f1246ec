//! The one place that decides how raftsql serializes data on disk (Raft log entries, vote, snapshot
//! metadata) and on the wire (cluster RPC frames): bincode 2 through serde, fixed configuration.

use serde::de::DeserializeOwned;
use serde::Serialize;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Serializes a value.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| CodecError(e.to_string()))
}

/// Deserializes a value, refusing trailing bytes (they would mean a framing bug or corruption).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, used) = bincode::serde::decode_from_slice(bytes, config()).map_err(|e| CodecError(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError(format!("{} trailing bytes after value", bytes.len() - used)));
    }
    Ok(value)
}

/// A value could not be (de)serialized.
#[derive(Debug, Clone, thiserror::Error)]
#[error("codec: {0}")]
pub struct CodecError(pub String);
