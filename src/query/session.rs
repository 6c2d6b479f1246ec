//! One client session's transaction state and statement routing, independent of the wire protocol.
//! Autocommit statements go straight to the node (reads from the read pool after a read-index check, writes
//! through the log). Inside BEGIN ... COMMIT, reads before the first write come from one pinned snapshot;
//! the first write opens a transaction on the leader (write gate) and every later statement is a step of it.

use crate::db::datetime::zone::Zone;
use crate::db::sequences::SessionSequences;
use std::sync::Arc;
use std::time::Duration;

use crate::db::exec::{self, Access, ReadError};
use crate::db::run_interruptible;
use crate::db::{QueryResult, Statement};
use crate::error::{ClusterError, ExecError, SqlError};
use crate::query::snapshot::PinnedSnapshot;
use crate::raft::write_gate::TxnLimits;
use crate::raft::{Consistency, NodeCore, TxnId, TxnStep};

/// What a transaction-control statement did (the tag the client sees can differ: COMMIT of a failed
/// transaction rolls back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnEnd {
    Committed,
    RolledBack,
}

/// Transaction status as ReadyForQuery reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnStatus {
    Idle,
    InTransaction,
    Failed,
}

struct Active {
    read_only: bool,
    failed: bool,
    snapshot: Option<Arc<PinnedSnapshot>>,
    /// Set at the first write: the transaction then lives on the leader.
    txn: Option<TxnId>,
    /// Savepoints taken before the first write (recreated on the leader at the first write).
    savepoints: Vec<String>,
}

/// Per-connection state.
pub struct Session {
    node: Arc<NodeCore>,
    pub consistency: Consistency,
    pub lock_timeout: Duration,
    /// idle_in_transaction_session_timeout: the leader rolls back a transaction idle this long.
    pub idle_timeout: Option<Duration>,
    /// Whether the session's user may administer the cluster.
    pub superuser: bool,
    /// The session's `TimeZone`: its statements carry it into the log (`statement`).
    pub time_zone: Zone,
    /// `default_transaction_read_only`: transactions, autocommit statements included, start read-only.
    pub default_read_only: bool,
    /// What `currval` and `lastval` answer in this session: its statements carry it into the log (`statement`).
    sequences: SessionSequences,
    active: Option<Active>,
}

/// The error of a write in a read-only transaction (25006).
fn read_only_error() -> ExecError {
    SqlError::new(SqlError::READ_ONLY_TRANSACTION, "cannot execute a write in a read-only transaction").into()
}

/// The error of any statement but ROLLBACK in a failed transaction (25P02).
pub fn failed_error() -> ExecError {
    SqlError::new(
        SqlError::TXN_FAILED,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
    .into()
}

impl Session {
    pub fn new(node: Arc<NodeCore>) -> Session {
        Session {
            node,
            consistency: Consistency::Linearizable,
            lock_timeout: Duration::from_secs(10),
            idle_timeout: None,
            superuser: false,
            time_zone: crate::db::datetime::zone::UTC,
            default_read_only: false,
            sequences: SessionSequences::default(),
            active: None,
        }
    }

    /// A statement of this session: one whose result depends on the session's zone runs in it on every node
    /// (`db::datetime::zone::mark`), and one that calls `currval`/`lastval` carries the session's sequence
    /// values (`db::sequences::mark`).
    pub fn statement(&self, sql: &str, params: Vec<crate::db::Value>) -> Statement {
        let sql = crate::db::sequences::mark(&self.sequences, sql);
        Statement::new(crate::db::datetime::zone::mark(self.time_zone, &sql), params)
    }

    /// Forgets the sequence values (`DISCARD SEQUENCES`, `DISCARD ALL`: a pooler's next client starts afresh).
    pub fn discard_sequences(&mut self) {
        self.sequences = SessionSequences::default();
    }

    /// Takes in the sequence values a statement of this session used (PostgreSQL keeps them even when the
    /// transaction rolls back).
    pub fn remember_sequences(&mut self, result: &QueryResult) {
        self.sequences.remember(&result.sequence_values);
    }

    pub fn node(&self) -> &Arc<NodeCore> {
        &self.node
    }

    pub fn status(&self) -> TxnStatus {
        match &self.active {
            None => TxnStatus::Idle,
            Some(a) if a.failed => TxnStatus::Failed,
            Some(_) => TxnStatus::InTransaction,
        }
    }

    /// How long a transaction of this session may sit idle: its idle_in_transaction_session_timeout, at most
    /// the server's limit.
    fn idle_limit(&self) -> Duration {
        let max = self.node.options.txn_idle_timeout;
        self.idle_timeout.map_or(max, |t| t.min(max))
    }

    /// The limits this session puts on its write transactions.
    fn limits(&self) -> TxnLimits {
        TxnLimits { lock_timeout: self.lock_timeout, idle_timeout: self.idle_timeout }
    }

    /// Ends whatever transaction the session has open without waiting: used when the client disconnects,
    /// so a vanished client never keeps the leader's write gate until the idle timeout.
    pub fn abandon(&mut self) {
        if let Some(Active { txn: Some(txn), .. }) = self.active.take() {
            let node = self.node.clone();
            let limits = self.limits();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    if let Err(e) = node.txn_step(txn, TxnStep::Rollback, limits).await {
                        tracing::debug!(txn, error = %e, "rolling back an abandoned transaction failed");
                    }
                });
            }
        }
    }

    /// `SET TRANSACTION READ ONLY / READ WRITE` in a transaction block (outside one it does nothing). Read write
    /// only before the transaction has read or written anything (25001), as PostgreSQL requires.
    pub fn set_read_only(&mut self, read_only: bool) -> Result<(), ExecError> {
        let Some(active) = self.active.as_mut() else { return Ok(()) };
        if !read_only && active.read_only && (active.snapshot.is_some() || active.txn.is_some()) {
            return Err(SqlError::new(
                SqlError::ACTIVE_TRANSACTION,
                "transaction read-write mode must be set before any query",
            )
            .into());
        }
        active.read_only = read_only;
        Ok(())
    }

    /// BEGIN / START TRANSACTION. Inside a transaction it changes nothing (PostgreSQL warns and goes on).
    pub fn begin(&mut self, read_only: bool) {
        if self.active.is_none() {
            let read_only = read_only || self.default_read_only;
            self.active = Some(Active { read_only, failed: false, snapshot: None, txn: None, savepoints: Vec::new() });
        }
    }

    /// Marks the open transaction failed (a statement failed in the protocol layer).
    pub fn fail(&mut self) {
        if let Some(a) = self.active.as_mut() {
            a.failed = true;
        }
    }

    /// Runs one statement in the current state.
    pub async fn execute(&mut self, statement: Statement) -> Result<QueryResult, ExecError> {
        self.execute_expecting(statement, None).await
    }

    /// `execute`, told whether the statement is expected to read or write (from its parsed kind), which
    /// spares the classification round for autocommit statements.
    pub async fn execute_expecting(
        &mut self,
        statement: Statement,
        expected: Option<Access>,
    ) -> Result<QueryResult, ExecError> {
        let writes = expected == Some(Access::Write);
        let Some(active) = self.active.as_mut() else {
            if writes && self.default_read_only {
                return Err(read_only_error());
            }
            return match expected {
                Some(access) => self.node.execute_as(&statement.sql, statement.params, self.consistency, access).await,
                None => self.execute_autocommit(statement).await,
            };
        };
        if active.failed {
            return Err(failed_error());
        }
        let result = if writes && active.read_only {
            Err(read_only_error())
        } else if let Some(txn) = active.txn {
            self.step(txn, TxnStep::Run(vec![statement])).await.map(|mut r| r.pop().unwrap_or_default())
        } else {
            self.execute_before_first_write(statement, expected).await
        };
        if result.is_err() {
            self.fail();
        }
        result
    }

    async fn execute_autocommit(&self, statement: Statement) -> Result<QueryResult, ExecError> {
        self.node.execute(&statement.sql, statement.params, self.consistency).await
    }

    /// A statement of a transaction that has not written yet: a read runs on the transaction's snapshot, the
    /// first write opens the transaction on the leader. A statement the caller knows to write (a query calling
    /// `nextval`, which SQLite's read-only check cannot see) is not classified again.
    async fn execute_before_first_write(
        &mut self,
        statement: Statement,
        expected: Option<Access>,
    ) -> Result<QueryResult, ExecError> {
        let access = match expected {
            Some(Access::Write) => Access::Write,
            _ => match self.node.reads.classify(&statement.sql).await {
                Ok(a) => a,
                Err(_) => {
                    self.node.read_barrier().await?;
                    self.node.reads.classify(&statement.sql).await?
                }
            },
        };
        let active = self.active.as_mut().expect("called inside a transaction");
        if access == Access::ReadOnly {
            if active.snapshot.is_none() {
                if self.consistency == Consistency::Linearizable {
                    self.node.read_barrier().await?;
                }
                let path = self.node.reads.path().to_path_buf();
                let max_idle = self.idle_limit();
                let snap = tokio::task::spawn_blocking(move || PinnedSnapshot::open(&path, max_idle))
                    .await
                    .map_err(|e| ExecError::Cluster(ClusterError::Storage(e.to_string())))??;
                self.active.as_mut().expect("inside a transaction").snapshot = Some(snap);
            }
            let snap = self.active.as_ref().and_then(|a| a.snapshot.clone()).expect("opened above");
            let max = self.node.reads.max_result_bytes();
            let interrupt = snap.interrupt_handle()?;
            // Interrupted if the client cancels or its statement_timeout passes; the snapshot stays usable.
            let result = run_interruptible(interrupt, move || {
                snap.with_connection(|conn| exec::run_read(conn, &statement.sql, &statement.params, max))
            })
            .await?;
            return result.map_err(|f| match f {
                ReadError::Sql(e) => ExecError::Sql(e),
                ReadError::NotReadOnly => ExecError::Sql(SqlError::new(1, "statement changed from read to write")),
            });
        }
        self.open_on_leader(vec![statement], false).await.map(|mut r| r.pop().unwrap_or_default())
    }

    /// A statement that locks rows (`SELECT ... FOR UPDATE/SHARE`). Inside a transaction it takes the write
    /// gate as a write would, so the transaction's later writes cannot fail for a write that came between
    /// (waiting at most `lock_timeout`, or not at all with `nowait`: 55P03 while another transaction holds
    /// it); outside one it is a plain read, as PostgreSQL's locks would end with the statement.
    pub async fn execute_locking(&mut self, statement: Statement, nowait: bool) -> Result<QueryResult, ExecError> {
        let Some(active) = self.active.as_ref() else {
            return self.execute_expecting(statement, Some(Access::ReadOnly)).await;
        };
        if active.failed {
            return Err(failed_error());
        }
        let result = match active.txn {
            Some(txn) => self.step(txn, TxnStep::Run(vec![statement])).await,
            None => self.open_on_leader(vec![statement], nowait).await,
        };
        if result.is_err() {
            self.fail();
        }
        result.map(|mut r| r.pop().unwrap_or_default())
    }

    /// `LOCK TABLE`: takes the write gate for the open transaction (every mode is the gate: one writer at a
    /// time), waiting at most `lock_timeout`, or not at all with `nowait`.
    pub async fn lock_tables(&mut self, nowait: bool) -> Result<(), ExecError> {
        let Some(active) = self.active.as_ref() else {
            return Err(no_transaction("LOCK TABLE"));
        };
        if active.failed {
            return Err(failed_error());
        }
        if active.txn.is_some() {
            return Ok(());
        }
        let opened = self.open_on_leader(Vec::new(), nowait).await;
        if opened.is_err() {
            self.fail();
        }
        opened.map(|_| ())
    }

    /// The transaction's first write: opens it on the leader with `statements` as its first step.
    /// With `nowait`, the write gate is not waited for at all (NOWAIT: 55P03 at once if another transaction
    /// holds it); else at most `lock_timeout`.
    async fn open_on_leader(
        &mut self,
        statements: Vec<Statement>,
        nowait: bool,
    ) -> Result<Vec<QueryResult>, ExecError> {
        let mut limits = self.limits();
        if nowait {
            limits.lock_timeout = Duration::ZERO;
        }
        let active = self.active.as_mut().expect("called inside a transaction");
        if active.read_only {
            return Err(read_only_error());
        }
        let txn: TxnId = rand::random::<u64>() | 1;
        let snapshot = active.snapshot.take();
        if let Some(snap) = &snapshot {
            // Released for idleness: the transaction is over, as PostgreSQL ends it (25P03).
            snap.with_connection(|_| ())?;
        }
        let snapshot_version = snapshot.map(|s| s.data_version);
        let step = TxnStep::Begin { snapshot_version, savepoints: active.savepoints.clone(), statements };
        active.txn = Some(txn);
        Ok(self.node.txn_step(txn, step, limits).await??)
    }

    /// Sends one statement to run once for each row of its parameters (COPY's rows) as the open transaction's
    /// next step, opening the transaction on the leader first if this is its first write. Returns the step as a
    /// future that owns what it needs, so the caller can read its next rows while these are on their way; it
    /// must await one step before sending the next (that keeps them in order) and `fail` the session if the
    /// step failed.
    pub async fn send_rows(
        &mut self,
        statement: Statement,
    ) -> Result<impl std::future::Future<Output = Result<u64, ExecError>> + Send + 'static, ExecError> {
        let Some(active) = self.active.as_ref() else {
            return Err(no_transaction("a batch of rows"));
        };
        if active.failed {
            return Err(failed_error());
        }
        let txn = match active.txn {
            Some(txn) => txn,
            None => {
                if let Err(e) = self.open_on_leader(Vec::new(), false).await {
                    self.fail();
                    return Err(e);
                }
                self.active.as_ref().and_then(|a| a.txn).expect("opened above")
            }
        };
        let (node, limits) = (self.node.clone(), self.limits());
        Ok(async move {
            let results = node.txn_step(txn, TxnStep::RunRows(std::sync::Arc::new(statement)), limits).await??;
            Ok(results.iter().map(|r| r.rows_affected).sum())
        })
    }

    /// Whether the open transaction is READ ONLY.
    pub fn read_only(&self) -> bool {
        self.active.as_ref().map_or(self.default_read_only, |a| a.read_only)
    }

    async fn step(&self, txn: TxnId, step: TxnStep) -> Result<Vec<QueryResult>, ExecError> {
        let limits = self.limits();
        let outcome = self.node.txn_step(txn, step, limits).await?;
        Ok(outcome?)
    }

    /// COMMIT / END. A failed transaction is rolled back instead.
    pub async fn commit(&mut self) -> Result<TxnEnd, ExecError> {
        let Some(active) = self.active.take() else {
            return Ok(TxnEnd::Committed);
        };
        if active.failed {
            if let Some(txn) = active.txn {
                let _ = self.step(txn, TxnStep::Rollback).await;
            }
            return Ok(TxnEnd::RolledBack);
        }
        match active.txn {
            Some(txn) => self.step(txn, TxnStep::Commit).await.map(|_| TxnEnd::Committed),
            None => Ok(TxnEnd::Committed),
        }
    }

    /// ROLLBACK / ABORT.
    pub async fn rollback(&mut self) -> Result<TxnEnd, ExecError> {
        if let Some(Active { txn: Some(txn), .. }) = self.active.take() {
            // Whatever happens, the session is out of the transaction; an unreachable leader rolls it back by
            // its idle timeout or its own leadership change.
            let _ = self.step(txn, TxnStep::Rollback).await;
        }
        Ok(TxnEnd::RolledBack)
    }

    /// SAVEPOINT name.
    pub async fn savepoint(&mut self, name: &str) -> Result<(), ExecError> {
        let Some(active) = self.active.as_mut() else {
            return Err(no_transaction("SAVEPOINT"));
        };
        if active.failed {
            return Err(failed_error());
        }
        match active.txn {
            Some(txn) => self.step(txn, TxnStep::Savepoint(name.to_string())).await.map(|_| ()),
            None => {
                active.savepoints.push(name.to_string());
                Ok(())
            }
        }
    }

    /// RELEASE [SAVEPOINT] name.
    pub async fn release(&mut self, name: &str) -> Result<(), ExecError> {
        let Some(active) = self.active.as_mut() else {
            return Err(no_transaction("RELEASE SAVEPOINT"));
        };
        if active.failed {
            return Err(failed_error());
        }
        let result = match active.txn {
            Some(txn) => self.step(txn, TxnStep::Release(name.to_string())).await.map(|_| ()),
            None => match active.savepoints.iter().rposition(|s| s == name) {
                Some(i) => {
                    active.savepoints.truncate(i);
                    Ok(())
                }
                None => Err(no_savepoint(name)),
            },
        };
        if result.is_err() {
            self.fail();
        }
        result
    }

    /// ROLLBACK TO [SAVEPOINT] name: undoes what followed the savepoint and leaves the failed state.
    pub async fn rollback_to(&mut self, name: &str) -> Result<(), ExecError> {
        let Some(active) = self.active.as_mut() else {
            return Err(no_transaction("ROLLBACK TO SAVEPOINT"));
        };
        let result = match active.txn {
            Some(txn) => self.step(txn, TxnStep::RollbackTo(name.to_string())).await.map(|_| ()),
            None => match active.savepoints.iter().rposition(|s| s == name) {
                Some(i) => {
                    active.savepoints.truncate(i + 1);
                    Ok(())
                }
                None => Err(no_savepoint(name)),
            },
        };
        let active = self.active.as_mut().expect("checked above");
        match &result {
            Ok(()) => active.failed = false,
            Err(_) => active.failed = true,
        }
        result
    }
}

fn no_transaction(what: &str) -> ExecError {
    SqlError::new(SqlError::NO_TRANSACTION, format!("{what} can only be used in transaction blocks")).into()
}

fn no_savepoint(name: &str) -> ExecError {
    SqlError::new(SqlError::NO_SAVEPOINT, format!("savepoint \"{name}\" does not exist")).into()
}
