//! The bytes of the cluster RPC, below the messages: the handshake that opens every connection, and the
//! length-delimited frames after it.
//!
//! Handshake (fixed sizes, decoded on their own before anything is allocated from what a peer says):
//! 1. caller → `CLIENT_HELLO`: magic, version, its node id, the node id it means to reach, a random nonce;
//! 2. callee → `SERVER_HELLO`: magic, a status (ok, or not the node asked for), its node id, its nonce and
//!    `HMAC(secret, "raftsql server" | both nonces | ids)`, proving it knows the cluster secret;
//! 3. caller → its proof `HMAC(secret, "raftsql client" | both nonces | ids)`, checked by the callee, which
//!    answers one byte (accepted or not) and only then reads frames.
//!
//! Both sides prove knowledge of the secret without sending it, and the labels keep one side's proof from
//! being replayed as the other's. Without a configured secret both sides use an empty key: the handshake
//! then only checks node ids (loopback or `--insecure` clusters). Frames: a 4-byte big-endian length, then
//! the encoded message, at most `MAX_FRAME` bytes.

use std::io;
use std::time::Duration;

use ring::hmac;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest frame: one byte-bounded batch of log entries, a forwarded request or a statement's result.
pub const MAX_FRAME: usize = 128 << 20;
/// How long a peer may take to complete the handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

const MAGIC: &[u8; 4] = b"RSQL";
const VERSION: u8 = 1;
const NONCE: usize = 32;
const PROOF: usize = 32;
/// Node id meaning "whichever node listens here" (joining through an address, tools).
const ANY_NODE: u64 = u64::MAX;
const CLIENT_HELLO_LEN: usize = 4 + 1 + 3 + 8 + 8 + NONCE;
const SERVER_HELLO_LEN: usize = 4 + 1 + 3 + 8 + NONCE + PROOF;

const STATUS_OK: u8 = 0;
const STATUS_WRONG_NODE: u8 = 1;
const STATUS_BAD_VERSION: u8 = 2;

/// The cluster secret: the key of the handshake's proofs. Empty means no secret (insecure).
#[derive(Clone)]
pub struct ClusterSecret {
    key: hmac::Key,
    configured: bool,
}

impl std::fmt::Debug for ClusterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClusterSecret({})", if self.configured { "set" } else { "none" })
    }
}

impl ClusterSecret {
    pub fn new(secret: &[u8]) -> ClusterSecret {
        ClusterSecret { key: hmac::Key::new(hmac::HMAC_SHA256, secret), configured: !secret.is_empty() }
    }

    /// No secret: any process that reaches the port can talk to the node.
    pub fn none() -> ClusterSecret {
        ClusterSecret::new(b"")
    }

    pub fn is_configured(&self) -> bool {
        self.configured
    }

    fn proof(&self, label: &[u8], client_nonce: &[u8], server_nonce: &[u8], from: u64, to: u64) -> hmac::Tag {
        hmac::sign(&self.key, &proof_message(label, client_nonce, server_nonce, from, to))
    }

    /// Checks a proof in constant time.
    fn verify(&self, label: &[u8], client_nonce: &[u8], server_nonce: &[u8], from: u64, to: u64, proof: &[u8]) -> bool {
        hmac::verify(&self.key, &proof_message(label, client_nonce, server_nonce, from, to), proof).is_ok()
    }
}

/// What a proof signs: which side proves, both nonces (so no proof can be replayed) and both node ids.
fn proof_message(label: &[u8], client_nonce: &[u8], server_nonce: &[u8], from: u64, to: u64) -> Vec<u8> {
    let mut msg = Vec::with_capacity(label.len() + 2 * NONCE + 16);
    msg.extend_from_slice(label);
    msg.extend_from_slice(client_nonce);
    msg.extend_from_slice(server_nonce);
    msg.extend_from_slice(&from.to_be_bytes());
    msg.extend_from_slice(&to.to_be_bytes());
    msg
}

/// Why a handshake failed.
#[derive(Debug)]
pub enum HandshakeError {
    Io(io::Error),
    /// The peer is not who it should be, does not know the cluster secret, or does not speak this protocol.
    Refused(String),
}

impl From<io::Error> for HandshakeError {
    fn from(e: io::Error) -> Self {
        HandshakeError::Io(e)
    }
}

fn nonce() -> [u8; NONCE] {
    rand::random()
}

/// The caller's side: proves itself to node `to` (`None`: whichever node listens) and checks that the callee
/// knows the secret. Returns the callee's node id.
pub async fn handshake_client<S>(
    stream: &mut S,
    secret: &ClusterSecret,
    from: u64,
    to: Option<u64>,
) -> Result<u64, HandshakeError>
where
    S: AsyncReadExt + AsyncWriteExt + Unpin,
{
    let client_nonce = nonce();
    let mut hello = Vec::with_capacity(CLIENT_HELLO_LEN);
    hello.extend_from_slice(MAGIC);
    hello.extend_from_slice(&[VERSION, 0, 0, 0]);
    hello.extend_from_slice(&from.to_be_bytes());
    hello.extend_from_slice(&to.unwrap_or(ANY_NODE).to_be_bytes());
    hello.extend_from_slice(&client_nonce);
    stream.write_all(&hello).await?;
    stream.flush().await?;
    let mut reply = [0u8; SERVER_HELLO_LEN];
    stream.read_exact(&mut reply).await?;
    if &reply[0..4] != MAGIC {
        return Err(HandshakeError::Refused("the peer does not speak raftsql's cluster protocol".into()));
    }
    let node_id = u64::from_be_bytes(reply[8..16].try_into().expect("8 bytes"));
    let wrong_node = || {
        let expected = to.map_or("?".into(), |t| t.to_string());
        HandshakeError::Refused(format!("the peer is node {node_id}, not node {expected}"))
    };
    match reply[4] {
        STATUS_OK => {}
        STATUS_WRONG_NODE => return Err(wrong_node()),
        STATUS_BAD_VERSION => return Err(HandshakeError::Refused("the peer speaks another protocol version".into())),
        other => return Err(HandshakeError::Refused(format!("the peer refused the connection (status {other})"))),
    }
    if to.is_some_and(|t| t != node_id) {
        return Err(wrong_node());
    }
    let server_nonce = &reply[16..16 + NONCE];
    let server_proof = &reply[16 + NONCE..];
    if !secret.verify(b"raftsql server", &client_nonce, server_nonce, from, node_id, server_proof) {
        return Err(HandshakeError::Refused(format!(
            "node {node_id} does not know this cluster's secret (check --cluster-secret-file on both nodes)"
        )));
    }
    let proof = secret.proof(b"raftsql client", &client_nonce, server_nonce, from, node_id);
    stream.write_all(proof.as_ref()).await?;
    stream.flush().await?;
    let mut accepted = [0u8; 1];
    stream.read_exact(&mut accepted).await?;
    if accepted[0] != STATUS_OK {
        return Err(HandshakeError::Refused(format!("node {node_id} refused this node's proof of the cluster secret")));
    }
    Ok(node_id)
}

/// The callee's side: checks the caller's proof of the secret and that it asks for this node. Returns the
/// caller's node id.
pub async fn handshake_server<S>(stream: &mut S, secret: &ClusterSecret, me: u64) -> Result<u64, HandshakeError>
where
    S: AsyncReadExt + AsyncWriteExt + Unpin,
{
    let mut hello = [0u8; CLIENT_HELLO_LEN];
    stream.read_exact(&mut hello).await?;
    if &hello[0..4] != MAGIC {
        return Err(HandshakeError::Refused("not raftsql's cluster protocol".into()));
    }
    let from = u64::from_be_bytes(hello[8..16].try_into().expect("8 bytes"));
    let to = u64::from_be_bytes(hello[16..24].try_into().expect("8 bytes"));
    let client_nonce = &hello[24..];
    let server_nonce = nonce();
    let status = if hello[4] != VERSION {
        STATUS_BAD_VERSION
    } else if to != ANY_NODE && to != me {
        STATUS_WRONG_NODE
    } else {
        STATUS_OK
    };
    let mut reply = Vec::with_capacity(SERVER_HELLO_LEN);
    reply.extend_from_slice(MAGIC);
    reply.extend_from_slice(&[status, 0, 0, 0]);
    reply.extend_from_slice(&me.to_be_bytes());
    reply.extend_from_slice(&server_nonce);
    if status == STATUS_OK {
        reply.extend_from_slice(secret.proof(b"raftsql server", client_nonce, &server_nonce, from, me).as_ref());
    } else {
        reply.extend_from_slice(&[0u8; PROOF]);
    }
    stream.write_all(&reply).await?;
    stream.flush().await?;
    if status != STATUS_OK {
        return Err(HandshakeError::Refused(format!("caller {from} asked for node {to}, or another version")));
    }
    let mut proof = [0u8; PROOF];
    stream.read_exact(&mut proof).await?;
    let valid = secret.verify(b"raftsql client", client_nonce, &server_nonce, from, me, &proof);
    stream.write_all(&[if valid { STATUS_OK } else { 1 }]).await?;
    stream.flush().await?;
    if !valid {
        return Err(HandshakeError::Refused(format!("caller claiming to be node {from} does not know the secret")));
    }
    Ok(from)
}

/// Writes one frame.
pub async fn write_frame<W: AsyncWriteExt + Unpin>(w: &mut W, payload: &[u8]) -> io::Result<()> {
    if payload.len() > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a message of {} bytes exceeds the cluster RPC's limit of {MAX_FRAME}", payload.len()),
        ));
    }
    w.write_all(&(payload.len() as u32).to_be_bytes()).await?;
    w.write_all(payload).await?;
    w.flush().await
}

/// Reads one frame; `Ok(None)` on a clean end of stream. The length is checked before anything is allocated,
/// and the body must arrive within `body_timeout` once its length has.
pub async fn read_frame<R: AsyncReadExt + Unpin>(r: &mut R, body_timeout: Duration) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("frame of {len} bytes exceeds the limit")));
    }
    let mut buf = vec![0u8; len];
    match tokio::time::timeout(body_timeout, r.read_exact(&mut buf)).await {
        Ok(read) => read?,
        Err(_) => return Err(io::Error::new(io::ErrorKind::TimedOut, "frame body not received in time")),
    };
    Ok(Some(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pair(
        client: ClusterSecret,
        server: ClusterSecret,
        to: Option<u64>,
    ) -> (Result<u64, String>, Result<u64, String>) {
        let (mut a, mut b) = tokio::io::duplex(4096);
        let c = async move { handshake_client(&mut a, &client, 7, to).await.map_err(|e| format!("{e:?}")) };
        let s = async move { handshake_server(&mut b, &server, 3).await.map_err(|e| format!("{e:?}")) };
        tokio::join!(c, s)
    }

    #[tokio::test]
    async fn same_secret_connects_both_ways() {
        let (c, s) = pair(ClusterSecret::new(b"s3cret-s3cret"), ClusterSecret::new(b"s3cret-s3cret"), Some(3)).await;
        assert_eq!(c.unwrap(), 3);
        assert_eq!(s.unwrap(), 7);
        let (c, s) = pair(ClusterSecret::none(), ClusterSecret::none(), None).await;
        assert_eq!((c.unwrap(), s.unwrap()), (3, 7));
    }

    #[tokio::test]
    async fn a_wrong_or_missing_secret_is_refused_by_both_sides() {
        let (c, s) = pair(ClusterSecret::new(b"one-secret-xx"), ClusterSecret::new(b"other-secret"), Some(3)).await;
        assert!(c.unwrap_err().contains("secret"));
        assert!(s.is_err());
        let (c, s) = pair(ClusterSecret::none(), ClusterSecret::new(b"other-secret"), Some(3)).await;
        assert!(c.is_err() && s.is_err());
        let (c, s) = pair(ClusterSecret::new(b"other-secret"), ClusterSecret::none(), Some(3)).await;
        assert!(c.is_err() && s.is_err());
    }

    #[tokio::test]
    async fn the_wrong_node_is_refused() {
        let (c, s) = pair(ClusterSecret::none(), ClusterSecret::none(), Some(4)).await;
        assert!(c.unwrap_err().contains("node 3, not node 4"));
        assert!(s.is_err());
    }

    #[tokio::test]
    async fn oversized_frames_are_refused_before_allocation() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&u32::MAX.to_be_bytes()).await.unwrap();
        let e = read_frame(&mut b, Duration::from_secs(1)).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
