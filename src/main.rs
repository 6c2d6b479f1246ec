//! The `raftsql` binary: parses the command line (every flag also read from a `RAFTSQL_*` environment
//! variable), sets up logging and runs one node until SIGINT or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use raftsql::config::{parse_peers, Config};
use raftsql::raft::rpc::{fetch_status, AdminRequest, CLIENT_ID};
use raftsql::raft::wire::ClusterSecret;

/// A replicated SQL database: PostgreSQL wire protocol, Raft consensus, SQLite storage.
#[derive(Debug, Parser)]
#[command(name = "raftsql", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// This node's id, unique in the cluster and stable across restarts.
    #[arg(long, env = "RAFTSQL_ID", default_value_t = 1)]
    id: u64,
    /// Directory for this node's Raft log, database and snapshots.
    #[arg(long, env = "RAFTSQL_DATA_DIR", default_value = "./raftsql-data")]
    data_dir: PathBuf,
    /// Address the cluster RPC (Raft) server listens on.
    #[arg(long, env = "RAFTSQL_RAFT_ADDR", default_value = "127.0.0.1:7001")]
    raft_addr: String,
    /// Address peers use to reach this node's cluster RPC, if it differs from --raft-addr (e.g. 0.0.0.0 binds).
    #[arg(long, env = "RAFTSQL_RAFT_ADVERTISE")]
    raft_advertise: Option<String>,
    /// Address the PostgreSQL server listens on.
    #[arg(long, env = "RAFTSQL_PG_ADDR", default_value = "127.0.0.1:5433")]
    pg_addr: String,
    /// Address clients use to reach this node's PostgreSQL server, if it differs from --pg-addr.
    #[arg(long, env = "RAFTSQL_PG_ADVERTISE")]
    pg_advertise: Option<String>,
    /// Initial voters as id=host:port (their Raft addresses), e.g. 1=10.0.0.1:7001,2=10.0.0.2:7001.
    /// Every initial node gets the same list; the cluster forms by itself. Omit for a single node.
    #[arg(long, env = "RAFTSQL_PEERS", default_value = "")]
    peers: String,
    /// Join a running cluster through the Raft address of any member.
    #[arg(long, env = "RAFTSQL_JOIN")]
    join: Option<String>,
    /// With --join: stay a non-voting member (a read replica).
    #[arg(long, env = "RAFTSQL_LEARNER", default_value_t = false)]
    learner: bool,
    /// Raft heartbeat interval in milliseconds.
    #[arg(long, env = "RAFTSQL_HEARTBEAT_MS", default_value_t = 150)]
    heartbeat_ms: u64,
    /// Minimum election timeout in milliseconds (the maximum is twice this).
    #[arg(long, env = "RAFTSQL_ELECTION_TIMEOUT_MS", default_value_t = 1000)]
    election_timeout_ms: u64,
    /// Build a snapshot after this many log entries since the last one.
    #[arg(long, env = "RAFTSQL_SNAPSHOT_EVERY", default_value_t = 20000)]
    snapshot_every: u64,
    /// Maximum number of concurrent PostgreSQL client connections (more are refused with 53300).
    #[arg(long, env = "RAFTSQL_MAX_CONNECTIONS", default_value_t = 100)]
    max_connections: usize,
    #[command(flatten)]
    limits: LimitArgs,
    /// File of users allowed to connect, one `name SCRAM-SHA-256$...` verifier per line (see `raftsql passwd`).
    /// Without users every client is trusted.
    #[arg(long, env = "RAFTSQL_USERS_FILE")]
    users_file: Option<PathBuf>,
    /// A user allowed to connect, as name:password (repeatable; RAFTSQL_USERS takes a comma-separated list).
    /// Only a verifier is kept in memory.
    #[arg(long = "user", env = "RAFTSQL_USERS", value_delimiter = ',')]
    users: Vec<String>,
    /// A configured user who may administer the cluster (raftsql_remove_node, raftsql_transfer_leader) and
    /// take backups over HTTP (repeatable; RAFTSQL_SUPERUSERS takes a comma-separated list). Other users are
    /// ordinary. Without configured users every client is trusted as a superuser.
    #[arg(long = "superuser", env = "RAFTSQL_SUPERUSERS", value_delimiter = ',')]
    superusers: Vec<String>,
    /// How users authenticate: scram (SCRAM-SHA-256, the default) or password (cleartext, accepted over TLS only).
    #[arg(long, env = "RAFTSQL_AUTH_METHOD")]
    auth_method: Option<String>,
    /// PEM certificate chain for TLS connections from PostgreSQL clients (with --tls-key).
    #[arg(long, env = "RAFTSQL_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "RAFTSQL_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Address of the admin HTTP endpoint: /health, /ready, /status, /metrics (Prometheus), /backup.
    #[arg(long, env = "RAFTSQL_HTTP_ADDR")]
    http_addr: Option<String>,
    /// Log format on stderr: text (human-readable) or json (one JSON object per line). Level from RUST_LOG.
    #[arg(long, env = "RAFTSQL_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// Start a new node from a backup file (taken with GET /backup); only for an empty data directory.
    /// Give every initial node of the new cluster the same file.
    #[arg(long, env = "RAFTSQL_RESTORE_FROM")]
    restore_from: Option<PathBuf>,
    #[command(flatten)]
    secret: SecretArgs,
    /// Allow a Raft address other than loopback without a cluster secret: anyone who reaches the port can then
    /// read and change everything.
    #[arg(long, env = "RAFTSQL_INSECURE", default_value_t = false)]
    insecure: bool,
}

/// Server-side limits (see "Security and limits" in the README).
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Execution budget of one replicated statement: SQLite instructions plus bytes of large values. Past it
    /// the statement fails with 54001 on every replica, without effect. Carried in each entry by the leader.
    #[arg(long, env = "RAFTSQL_MAX_STATEMENT_STEPS", default_value_t = raftsql::db::ExecLimits::default().max_steps)]
    max_statement_steps: u64,
    /// Largest result one statement may return, in bytes (more fails with 54000).
    #[arg(long, env = "RAFTSQL_MAX_RESULT_BYTES", default_value_t = 256 << 20)]
    max_result_bytes: u64,
    /// Largest replicated request (SQL text plus parameters), in bytes; larger ones fail with 54000 up front.
    #[arg(long, env = "RAFTSQL_MAX_REQUEST_BYTES", default_value_t = 16 << 20)]
    max_request_bytes: usize,
    /// Longest a write transaction may sit idle holding the cluster's write gate, and a read-only one its
    /// snapshot, in seconds; also the cap on idle_in_transaction_session_timeout.
    #[arg(long, env = "RAFTSQL_MAX_IDLE_IN_TRANSACTION_SECS", default_value_t = 60)]
    max_idle_in_transaction_secs: u64,
    /// Memory SQLite may use in this process, in MiB (past it a read fails with 53200; the writer stops the node).
    #[arg(long, env = "RAFTSQL_SQLITE_MEMORY_MIB", default_value_t = 4096)]
    sqlite_memory_mib: u64,
}

/// Where the cluster secret comes from.
#[derive(Debug, clap::Args)]
struct SecretArgs {
    /// File holding the cluster secret (at least 16 bytes; surrounding whitespace ignored). Every node and tool
    /// of a cluster uses the same one; peers prove they know it before anything else is exchanged.
    #[arg(long, env = "RAFTSQL_CLUSTER_SECRET_FILE")]
    cluster_secret_file: Option<PathBuf>,
}

impl SecretArgs {
    /// The secret from the file, or from RAFTSQL_CLUSTER_SECRET itself.
    fn load(&self) -> Result<ClusterSecret, raftsql::error::StartError> {
        let from_env = std::env::var("RAFTSQL_CLUSTER_SECRET").ok().filter(|s| !s.is_empty());
        raftsql::config::load_cluster_secret(self.cluster_secret_file.as_deref(), from_env.as_deref())
    }

    /// The secret for a cluster tool, or the exit code after saying why it could not be had.
    fn load_for_tool(&self) -> Result<ClusterSecret, ExitCode> {
        self.load().map_err(|e| {
            eprintln!("raftsql: {e}");
            ExitCode::from(2)
        })
    }
}

/// Tools that talk to a running node instead of running one.
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Inspect a running cluster.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Print a users-file line (`name SCRAM-SHA-256$...`) for a user; the password is read from stdin.
    Passwd {
        /// The user name.
        name: String,
    },
}

#[derive(Debug, clap::Subcommand)]
enum ClusterCommand {
    /// Remove a node (voter or learner) from the cluster.
    Remove {
        /// Raft address of any member.
        #[arg(long, env = "RAFTSQL_NODE", default_value = "127.0.0.1:7001")]
        node: String,
        /// Id of the node to remove.
        id: u64,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Hand leadership to the given node.
    TransferLeader {
        /// Raft address of any member.
        #[arg(long, env = "RAFTSQL_NODE", default_value = "127.0.0.1:7001")]
        node: String,
        /// Id of the node that should lead.
        id: u64,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Print a node's view of the cluster: its role, term, leader, log and applied indexes, members.
    Status {
        /// Raft address of the node to ask.
        #[arg(long, env = "RAFTSQL_NODE", default_value = "127.0.0.1:7001")]
        node: String,
        #[command(flatten)]
        secret: SecretArgs,
    },
}

fn cluster_command(
    runtime: &tokio::runtime::Runtime,
    node: &str,
    secret: &SecretArgs,
    req: AdminRequest,
    done: String,
) -> ExitCode {
    let secret = match secret.load_for_tool() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let sent = raftsql::raft::rpc::admin_call(node, &secret, CLIENT_ID, req, std::time::Duration::from_secs(60));
    match runtime.block_on(sent) {
        Ok(_) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("raftsql: {node}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_tool(command: Command) -> ExitCode {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        eprintln!("raftsql: cannot start the async runtime");
        return ExitCode::FAILURE;
    };
    match command {
        Command::Passwd { name } => {
            let mut password = String::new();
            if std::io::stdin().read_line(&mut password).is_err() || password.trim_end_matches(['\n', '\r']).is_empty()
            {
                eprintln!("raftsql: give the password on stdin");
                return ExitCode::FAILURE;
            }
            println!("{}", raftsql::users::Users::file_line(&name, password.trim_end_matches(['\n', '\r'])));
            ExitCode::SUCCESS
        }
        Command::Cluster(ClusterCommand::Remove { node, id, secret }) => {
            cluster_command(&runtime, &node, &secret, AdminRequest::RemoveMember(id), format!("node {id} removed"))
        }
        Command::Cluster(ClusterCommand::TransferLeader { node, id, secret }) => cluster_command(
            &runtime,
            &node,
            &secret,
            AdminRequest::TransferLeader(id),
            format!("node {id} is the leader"),
        ),
        Command::Cluster(ClusterCommand::Status { node, secret }) => {
            let secret = match secret.load_for_tool() {
                Ok(s) => s,
                Err(code) => return code,
            };
            match runtime.block_on(fetch_status(&node, &secret, std::time::Duration::from_secs(5))) {
                Ok(s) => {
                    println!(
                        "node {} ({}), term {}, leader {}",
                        s.id,
                        s.state,
                        s.term,
                        s.current_leader.map_or("none".into(), |l| l.to_string())
                    );
                    println!("last log index {:?}, last applied {:?}", s.last_log_index, s.last_applied);
                    for (id, n) in &s.nodes {
                        let role = if s.voters.contains(id) { "voter" } else { "learner" };
                        println!("  {id}\t{role}\traft={}\tpg={}", n.raft_addr, n.pg_addr);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("raftsql: {node}: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

impl Cli {
    fn into_config(self) -> Result<Config, raftsql::error::StartError> {
        let peers = parse_peers(&self.peers)?;
        let raft_advertise =
            self.raft_advertise.or_else(|| peers.get(&self.id).cloned()).unwrap_or_else(|| self.raft_addr.clone());
        Config {
            id: self.id,
            data_dir: self.data_dir,
            raft_listen: self.raft_addr,
            raft_advertise,
            pg_advertise: self.pg_advertise.unwrap_or_else(|| self.pg_addr.clone()),
            pg_listen: self.pg_addr,
            peers,
            join: self.join,
            learner: self.learner,
            heartbeat_ms: self.heartbeat_ms,
            election_timeout_ms: self.election_timeout_ms,
            snapshot_every: self.snapshot_every,
            max_connections: self.max_connections,
            limits: raftsql::config::Limits {
                max_statement_steps: self.limits.max_statement_steps,
                max_result_bytes: self.limits.max_result_bytes,
                max_request_bytes: self.limits.max_request_bytes,
                max_idle_in_transaction: std::time::Duration::from_secs(self.limits.max_idle_in_transaction_secs),
                sqlite_memory_bytes: self.limits.sqlite_memory_mib << 20,
            },
            http_listen: self.http_addr,
            restore_from: self.restore_from,
            cluster_secret: self.secret.load()?,
            insecure: self.insecure,
            client_auth: raftsql::config::ClientAuth {
                users_file: self.users_file,
                users: self.users,
                superusers: self.superusers,
                method: self.auth_method,
                tls_cert: self.tls_cert,
                tls_key: self.tls_key,
            },
        }
        .validate()
    }
}

async fn wait_for_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn main() -> ExitCode {
    // SQLite's allocator is configured before anything in the process initializes SQLite.
    raftsql::db::charging::install();
    let mut cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,openraft=warn"));
    if cli.log_format == "json" {
        tracing_subscriber::fmt().json().with_env_filter(filter).with_writer(std::io::stderr).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    if let Some(command) = cli.command.take() {
        return run_tool(command);
    }
    let config = match cli.into_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("raftsql: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("raftsql: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let node = match raftsql::node::start(&config).await {
            Ok(n) => n,
            Err(e) => {
                eprintln!("raftsql: {e}");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(id = config.id, raft = %config.raft_advertise, pg = %node.pg_addr, http = ?node.http_addr, "node running");
        tokio::select! {
            _ = wait_for_signal() => {
                tracing::info!("signal received, shutting down");
                node.shutdown().await;
                ExitCode::SUCCESS
            }
            reason = node.raft.wait_fatal() => {
                // Whatever applied or was logged is durable; serving on would mean serving frozen data. A
                // supervisor restarts the node once the cause (disk full, I/O errors) is fixed, and it catches up.
                tracing::error!(%reason, "fatal error: this node stops");
                eprintln!("raftsql: fatal error, stopping: {reason}");
                ExitCode::from(70)
            }
        }
    })
}
