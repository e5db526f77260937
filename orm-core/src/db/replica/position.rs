//! Replication positions, per backend: what the primary has written, what a replica has replayed,
//! and the [`ConsistencyToken`] that carries a position between handles.

use super::super::exec::{Executor, On};
use super::super::Database;
use super::gtid_set::GtidSet;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::time::Duration;

/// A replication position: what a replica must have replayed to show a write.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Position {
    /// A PostgreSQL WAL location.
    Lsn(u64),
    /// A MariaDB GTID position: per replication domain, the server id and sequence number of the
    /// last transaction.
    Gtid(BTreeMap<u32, (u32, u64)>),
    /// A MySQL GTID set (`@@GLOBAL.gtid_executed`).
    GtidSet(GtidSet),
    /// A MongoDB operation time (a cluster timestamp: seconds, increment).
    ClusterTime(u32, u32),
}

impl Position {
    /// Whether a server at `self` has everything a server at `other` had.
    pub(crate) fn covers(&self, other: &Position) -> bool {
        match (self, other) {
            (Position::Lsn(a), Position::Lsn(b)) => a >= b,
            (Position::ClusterTime(a, i), Position::ClusterTime(b, j)) => (a, i) >= (b, j),
            (Position::GtidSet(a), Position::GtidSet(b)) => a.covers(b),
            (Position::Gtid(a), Position::Gtid(b)) => b.iter().all(|(domain, (_, seq))| a.get(domain).is_some_and(|(_, s)| s >= seq)),
            _ => false,
        }
    }

    /// The later of two positions (per domain for GTIDs).
    pub(crate) fn merge(self, other: Position) -> Position {
        match (self, other) {
            (Position::Lsn(a), Position::Lsn(b)) => Position::Lsn(a.max(b)),
            (Position::GtidSet(a), Position::GtidSet(b)) => Position::GtidSet(a.union(b)),
            (Position::ClusterTime(a, i), Position::ClusterTime(b, j)) => {
                let (t, inc) = (a, i).max((b, j));
                Position::ClusterTime(t, inc)
            }
            (Position::Gtid(mut a), Position::Gtid(b)) => {
                for (domain, (server, seq)) in b {
                    let e = a.entry(domain).or_insert((server, seq));
                    if seq > e.1 {
                        *e = (server, seq);
                    }
                }
                Position::Gtid(a)
            }
            (_, other) => other,
        }
    }
}

/// A point in the primary's history that reads must not go behind: the position after a write.
/// Carry it across requests (its text form fits a cookie) and hand it to
/// [`Database::after`](crate::Database::after).
///
/// ```
/// let token: orm_core::ConsistencyToken = "pg:0/16B3740".parse()?;
/// assert_eq!(token.to_string(), "pg:0/16B3740");
/// let token: orm_core::ConsistencyToken = "mariadb:0-1-42,1-2-7".parse()?;
/// assert_eq!(token.to_string(), "mariadb:0-1-42,1-2-7");
/// let token: orm_core::ConsistencyToken = "mongo:1796235666.7".parse()?;
/// assert_eq!(token.to_string(), "mongo:1796235666.7");
/// assert!("pg:nonsense".parse::<orm_core::ConsistencyToken>().is_err());
/// # Ok::<(), orm_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConsistencyToken(pub(crate) Position);

impl std::fmt::Display for ConsistencyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Position::Lsn(lsn) => write!(f, "pg:{:X}/{:X}", lsn >> 32, lsn & 0xffff_ffff),
            Position::ClusterTime(time, increment) => write!(f, "mongo:{time}.{increment}"),
            Position::GtidSet(set) => write!(f, "mysql:{set}"),
            Position::Gtid(domains) => {
                f.write_str("mariadb:")?;
                for (i, (domain, (server, seq))) in domains.iter().enumerate() {
                    write!(f, "{}{domain}-{server}-{seq}", if i == 0 { "" } else { "," })?;
                }
                Ok(())
            }
        }
    }
}

impl std::str::FromStr for ConsistencyToken {
    type Err = Error;

    fn from_str(text: &str) -> Result<ConsistencyToken> {
        let bad = || Error::InvalidToken { token: text.chars().take(80).collect() };
        let position = if let Some(lsn) = text.strip_prefix("pg:") {
            parse_lsn(lsn).map(Position::Lsn)
        } else if let Some(gtids) = text.strip_prefix("mariadb:") {
            parse_gtids(gtids).filter(|g| !g.is_empty()).map(Position::Gtid)
        } else if let Some(set) = text.strip_prefix("mysql:") {
            GtidSet::parse(set).filter(|s| !s.is_empty()).map(Position::GtidSet)
        } else if let Some(time) = text.strip_prefix("mongo:") {
            time.split_once('.').and_then(|(t, i)| Some(Position::ClusterTime(t.parse().ok()?, i.parse().ok()?)))
        } else {
            None
        };
        position.map(ConsistencyToken).ok_or_else(bad)
    }
}

/// PostgreSQL's `X/Y` LSN text (two hex numbers, the high and low 32 bits).
fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.split_once('/')?;
    let (hi, lo) = (u32::from_str_radix(hi, 16).ok()?, u32::from_str_radix(lo, 16).ok()?);
    Some((u64::from(hi) << 32) | u64::from(lo))
}

/// MariaDB's GTID list, `domain-server-seq` items separated by commas (empty: no transaction yet).
fn parse_gtids(text: &str) -> Option<BTreeMap<u32, (u32, u64)>> {
    let mut out = BTreeMap::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let mut parts = item.split('-');
        let (domain, server, seq) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
        if parts.next().is_some() {
            return None;
        }
        out.insert(domain, (server, seq));
    }
    Some(out)
}

/// What a probe of a replica found.
pub(crate) struct Probed {
    /// Whether it replicates (in recovery; a running replication thread).
    pub(crate) replicating: bool,
    pub(crate) replayed: Option<Position>,
    /// Its lag as the server tells it; `None` where it does not (measured from positions then).
    pub(crate) lag: Option<Duration>,
}

/// How a backend tells replication positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Postgres,
    MariaDb,
    /// MySQL proper, with `gtid_mode=ON`.
    MySql,
    /// The driver picks the members (the URL's `readPreference`); reads are held to a position
    /// by causally consistent sessions.
    MongoDb,
}

impl Flavor {
    /// The flavor of `db`'s server; `None` where there are no replicas (SQLite).
    pub(crate) async fn of(db: &Database) -> Result<Option<Flavor>> {
        match db.backend() {
            crate::BackendKind::Postgres => Ok(Some(Flavor::Postgres)),
            crate::BackendKind::MySql if db.server_version().await?.contains("MariaDB") => Ok(Some(Flavor::MariaDb)),
            crate::BackendKind::MySql => Ok(Some(Flavor::MySql)),
            crate::BackendKind::MongoDb => Ok(Some(Flavor::MongoDb)),
            _ => Ok(None),
        }
    }

    /// Where the primary `db` is now.
    pub(crate) async fn primary_position(self, db: &Database) -> Result<Option<Position>> {
        let sql = match self {
            Flavor::Postgres => "SELECT CAST(pg_current_wal_lsn() AS TEXT)",
            Flavor::MariaDb => "SELECT CAST(@@gtid_binlog_pos AS CHAR)",
            Flavor::MySql => "SELECT CAST(@@GLOBAL.gtid_executed AS CHAR)",
            Flavor::MongoDb => return mongo::operation_time(db).await,
        };
        let rows: Vec<(String,)> = db.on().raw_query_quiet(sql).await?;
        Ok(rows.first().and_then(|(text,)| self.parse(text)))
    }

    fn parse(self, text: &str) -> Option<Position> {
        match self {
            Flavor::Postgres => parse_lsn(text).map(Position::Lsn),
            Flavor::MariaDb => parse_gtids(text).filter(|g| !g.is_empty()).map(Position::Gtid),
            Flavor::MySql => GtidSet::parse(text).filter(|s| !s.is_empty()).map(Position::GtidSet),
            Flavor::MongoDb => None,
        }
    }

    /// Refuses a primary that cannot tell its position (reads could then go behind a write).
    pub(crate) async fn check_primary(self, db: &Database) -> Result<()> {
        let (sql, what) = match self {
            Flavor::MariaDb => ("SELECT CAST(@@log_bin AS CHAR)", "read replicas without a binary log (MariaDB needs log_bin for GTIDs)"),
            // ON_PERMISSIVE: the primary's own transactions get GTIDs too.
            Flavor::MySql => ("SELECT CAST(@@GLOBAL.gtid_mode AS CHAR)", "read replicas without GTIDs (MySQL needs gtid_mode=ON)"),
            Flavor::Postgres | Flavor::MongoDb => return Ok(()),
        };
        let rows: Vec<(String,)> = db.on().raw_query_quiet(sql).await?;
        match rows.first().map(|(v,)| v.to_ascii_uppercase()) {
            Some(v) if matches!(v.as_str(), "1" | "ON" | "ON_PERMISSIVE") => Ok(()),
            _ => Err(Error::Unsupported { operation: what, backend: db.backend().name() }),
        }
    }

    /// Where the replica `db` is, whether it replicates, and its lag where the server says.
    pub(crate) async fn probe(self, db: &Database) -> Result<Probed> {
        match self {
            Flavor::Postgres => {
                // The lag while WAL waits to be replayed: the age of the last replayed commit.
                const PROBE: &str = "SELECT pg_is_in_recovery(), CAST(pg_last_wal_replay_lsn() AS TEXT), \
                     CAST(CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
                     ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END AS DOUBLE PRECISION)";
                let rows: Vec<(bool, Option<String>, f64)> = db.on().raw_query_quiet(PROBE).await?;
                let (replicating, replayed, lag) = rows.into_iter().next().unwrap_or((false, None, 0.0));
                Ok(Probed { replicating, replayed: replayed.and_then(|t| self.parse(&t)), lag: Some(Duration::from_secs_f64(lag.max(0.0))) })
            }
            Flavor::MariaDb => {
                const PROBE: &str = "SELECT CAST(@@gtid_slave_pos AS CHAR), CAST(COALESCE((SELECT VARIABLE_VALUE FROM \
                     information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SLAVE_RUNNING'), 'OFF') AS CHAR)";
                let rows: Vec<(String, String)> = db.on().raw_query_quiet(PROBE).await?;
                let (replayed, running) = rows.into_iter().next().unwrap_or_default();
                Ok(Probed { replicating: running.eq_ignore_ascii_case("ON"), replayed: self.parse(&replayed), lag: None })
            }
            Flavor::MySql => {
                const PROBE: &str = "SELECT CAST(@@GLOBAL.gtid_executed AS CHAR), CAST((SELECT COUNT(*) FROM \
                     performance_schema.replication_applier_status WHERE SERVICE_STATE = 'ON') AS SIGNED)";
                let rows: Vec<(String, i64)> = db.on().raw_query_quiet(PROBE).await?;
                let (replayed, running) = rows.into_iter().next().unwrap_or_default();
                Ok(Probed { replicating: running > 0, replayed: self.parse(&replayed), lag: None })
            }
            Flavor::MongoDb => Ok(Probed { replicating: mongo::is_secondary(db).await?, replayed: None, lag: None }),
        }
    }
}

/// MongoDB's side, through the driver directly (these commands neither count as writes nor move
/// the cache).
#[cfg(feature = "mongodb")]
mod mongo {
    use super::{Database, Position, Result};

    /// The primary's operation time: any command's reply on a replica set carries the operation
    /// time of the member that ran it, and `ping` goes to the primary, which has applied every
    /// acknowledged write.
    pub(super) async fn operation_time(db: &Database) -> Result<Option<Position>> {
        let reply = db.driver.mongo("replication position")?.run_command(None, bson::doc! { "ping": 1 }).await?;
        Ok(reply.get_timestamp("operationTime").ok().map(|t| Position::ClusterTime(t.time, t.increment)))
    }

    /// Whether the member the URL reaches is a secondary.
    pub(super) async fn is_secondary(db: &Database) -> Result<bool> {
        let hello = db.driver.mongo("replication position")?.run_command(None, bson::doc! { "hello": 1 }).await?;
        Ok(hello.get_bool("secondary").unwrap_or(false))
    }
}

#[cfg(not(feature = "mongodb"))]
mod mongo {
    use super::{Database, Error, Position, Result};

    pub(super) async fn operation_time(_: &Database) -> Result<Option<Position>> {
        Err(Error::Unsupported { operation: "MongoDB positions", backend: "SQL databases" })
    }

    pub(super) async fn is_secondary(_: &Database) -> Result<bool> {
        Ok(false)
    }
}

impl Database {
    /// Whether this server is a read replica: in recovery on PostgreSQL, running a replication
    /// thread on MariaDB; false on backends this version does not ask (MySQL, SQLite, MongoDB).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> orm_core::Result<()> {
    /// let db = orm_core::Database::connect("sqlite::memory:").await?;
    /// assert!(!db.is_replica().await?);
    /// # Ok(()) }
    /// ```
    pub async fn is_replica(&self) -> Result<bool> {
        match Flavor::of(self).await? {
            Some(flavor) => Ok(flavor.probe(self).await?.replicating),
            None => Ok(false),
        }
    }
}

impl On<'_> {
    /// Raw SQL that reads, and so moves neither the cache nor the handle's floor.
    async fn raw_query_quiet<R: crate::row::FromRow>(&self, sql: &str) -> Result<Vec<R>> {
        #[cfg(feature = "sql")]
        {
            let d = self.sql("replication position")?;
            let mut guard = self.settled_tx().await?;
            d.raw_query(guard.sql_tx()?, sql, []).await
        }
        #[cfg(not(feature = "sql"))]
        {
            let _ = sql;
            Err(Error::Unsupported { operation: "replication positions", backend: "MongoDB" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_as_text_and_refuse_anything_else() {
        for text in [
            "pg:0/16B3740",
            "pg:1/0",
            "mariadb:0-1-42",
            "mariadb:0-1-42,3-2-7",
            "mongo:1796235666.7",
            "mysql:3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9,4f22ab58-82db-22f2-8f44-d91bb0530673:3",
        ] {
            assert_eq!(text.parse::<ConsistencyToken>().unwrap().to_string(), text);
        }
        for bad in ["", "pg:", "pg:1", "pg:x/1", "mysql:1/1", "pg:1/1/1", "mariadb:", "mariadb:0-1", "mariadb:0-1-2-3", "mariadb:a-1-2", "mongo:1", "mongo:1.x", "mysql:", "mysql:x:1"] {
            assert!(bad.parse::<ConsistencyToken>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_position_covers_what_it_has_replayed() {
        let p = |t: &str| t.parse::<ConsistencyToken>().unwrap().0;
        assert!(p("pg:1/0").covers(&p("pg:0/FFFF")) && !p("pg:0/FFFF").covers(&p("pg:1/0")));
        // GTIDs: every domain of the other, at least as far; the server id does not count.
        assert!(p("mariadb:0-1-42,1-2-7").covers(&p("mariadb:0-9-40")));
        assert!(!p("mariadb:0-1-42").covers(&p("mariadb:0-1-42,1-2-1")));
        assert!(!p("mariadb:0-1-41").covers(&p("mariadb:0-1-42")));
        assert_eq!(p("mariadb:0-1-42,1-2-7").merge(p("mariadb:0-3-50")), p("mariadb:0-3-50,1-2-7"));
        assert_eq!(p("pg:0/5").merge(p("pg:0/3")), p("pg:0/5"));
        assert!(p("mongo:10.2").covers(&p("mongo:10.1")) && !p("mongo:9.9").covers(&p("mongo:10.1")));
        assert_eq!(p("mongo:10.2").merge(p("mongo:11.0")), p("mongo:11.0"));
    }
}
