//! The one place that decides how raftsql serializes data on disk (Raft log entries, vote, snapshot
//! metadata) and on the wire (cluster RPC frames): bincode 2 through serde, fixed configuration.

use serde::de::DeserializeOwned;
use serde::Serialize;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Decoding refuses to allocate more than this for one value, whatever lengths the bytes announce (bincode
/// allocates an announced length before reading it): on-disk records are at most this large.
fn disk_limits() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<{ 1 << 30 }>,
> {
    bincode::config::standard().with_limit::<{ 1 << 30 }>()
}

/// The same for messages from the network: at most the frame limit.
fn message_limits() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<{ crate::raft::wire::MAX_FRAME }>,
> {
    bincode::config::standard().with_limit::<{ crate::raft::wire::MAX_FRAME }>()
}

/// Serializes a value.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| CodecError(e.to_string()))
}

/// Deserializes a value read from disk, refusing trailing bytes (they would mean a framing bug or corruption).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    check_used(bytes, bincode::serde::decode_from_slice(bytes, disk_limits()))
}

/// Deserializes a message received from the network (allocations bounded by the frame limit).
pub fn decode_message<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    check_used(bytes, bincode::serde::decode_from_slice(bytes, message_limits()))
}

fn check_used<T>(bytes: &[u8], decoded: Result<(T, usize), bincode::error::DecodeError>) -> Result<T, CodecError> {
    let (value, used) = decoded.map_err(|e| CodecError(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError(format!("{} trailing bytes after value", bytes.len() - used)));
    }
    Ok(value)
}

/// A value could not be (de)serialized.
#[derive(Debug, Clone, thiserror::Error)]
#[error("codec: {0}")]
pub struct CodecError(pub String);
