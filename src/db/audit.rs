//! The audit log of administrative and security events, kept as hash chains.
//!
//! The database links every row as it is inserted (trigger `audit_log_link`, migration
//! `20261207120000_audit_chain.sql`): row `seq` of chain `chain` stores the hash of the row
//! before it and its own, SHA-256(prev_hash ‖ audit_row_bytes(row)); each chain's last seq and
//! hash are in `audit_chain_head`. [`verify`] recomputes all of it.

use std::collections::BTreeMap;
use std::fmt;

use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// Records one event. `detail` must never hold passwords, tokens or personal data.
pub async fn record(
    db: impl PgExecutor<'_>,
    actor: Option<Uuid>,
    event: &str,
    target: Option<&str>,
    detail: Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, event, target, detail) VALUES ($1, $2, $3, $4)",
        actor,
        event,
        target,
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The hash before the first row of a chain.
const GENESIS: [u8; 32] = [0; 32];

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Each chain's number with its row count and last hash (hex), as the head table has them.
    pub chains: Vec<(i16, i64, String)>,
    /// Rows checked.
    pub rows: i64,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
}

/// The first place where a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub chain: i16,
    /// The position that does not hold.
    pub seq: i64,
    /// The row at that position, when there is one.
    pub id: Option<i64>,
    /// What differs, in words.
    pub problem: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "audit_log chain {} seq {}", self.chain, self.seq)?;
        if let Some(id) = self.id {
            write!(f, " (id {id})")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// One chain being walked.
struct Walk {
    chain: i16,
    next_seq: i64,
    prev: Vec<u8>,
}

impl Walk {
    fn new(chain: i16) -> Walk {
        Walk {
            chain,
            next_seq: 1,
            prev: GENESIS.to_vec(),
        }
    }

    /// Compares the end of the walked chain with its head.
    fn end(&self, heads: &BTreeMap<i16, (i64, Vec<u8>)>) -> Option<BrokenLink> {
        let last = self.next_seq - 1;
        let Some((head_seq, head_hash)) = heads.get(&self.chain) else {
            return Some(BrokenLink {
                chain: self.chain,
                seq: last,
                id: None,
                problem: "the chain has no head in audit_chain_head".into(),
            });
        };
        if *head_seq != last {
            return Some(BrokenLink {
                chain: self.chain,
                seq: last + 1,
                id: None,
                problem: if *head_seq > last {
                    format!(
                        "rows {} to {head_seq} are missing (deleted at the end of the chain)",
                        last + 1
                    )
                } else {
                    format!("the head says the chain ends at seq {head_seq}, but it goes on")
                },
            });
        }
        if *head_hash != self.prev {
            return Some(BrokenLink {
                chain: self.chain,
                seq: last,
                id: None,
                problem: "the head's hash differs from the last row's hash".into(),
            });
        }
        None
    }
}

/// Walks every chain: each row's hash is recomputed from its content and the hash before it,
/// the seqs must follow one another from 1 without a gap, and each chain must end where its
/// head says. Stops at the first broken link. Reads only (any role that may SELECT).
pub async fn verify(pool: &PgPool) -> sqlx::Result<ChainReport> {
    let heads: BTreeMap<i16, (i64, Vec<u8>)> =
        sqlx::query!("SELECT chain, seq, hash FROM audit_chain_head ORDER BY chain")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|h| (h.chain, (h.seq, h.hash)))
            .collect();
    let report = |rows, broken| ChainReport {
        chains: heads
            .iter()
            .map(|(chain, (seq, hash))| (*chain, *seq, hex::encode(hash)))
            .collect(),
        rows,
        broken,
    };
    let mut stream = sqlx::query!(
        r#"SELECT id, chain, seq, prev_hash, hash,
                  sha256(prev_hash || audit_row_bytes(a)) AS "computed!"
           FROM audit_log a ORDER BY chain, seq"#
    )
    .fetch(pool);
    let mut rows = 0i64;
    let mut walked: Vec<i16> = vec![];
    let mut walk: Option<Walk> = None;
    while let Some(row) = stream.try_next().await? {
        rows += 1;
        if walk.as_ref().is_none_or(|w| w.chain != row.chain) {
            if let Some(done) = walk.take()
                && let Some(broken) = done.end(&heads)
            {
                return Ok(report(rows, Some(broken)));
            }
            walked.push(row.chain);
            walk = Some(Walk::new(row.chain));
        }
        let w = walk.as_mut().expect("set above");
        let broken = |seq: i64, id: Option<i64>, problem: String| BrokenLink {
            chain: row.chain,
            seq,
            id,
            problem,
        };
        if row.seq != w.next_seq {
            let problem = format!(
                "row(s) {} to {} are missing (deleted); the next row is seq {} (id {})",
                w.next_seq,
                row.seq - 1,
                row.seq,
                row.id
            );
            return Ok(report(rows, Some(broken(w.next_seq, None, problem))));
        }
        if row.prev_hash != w.prev {
            let problem = "its prev_hash is not the hash of the row before it".to_string();
            return Ok(report(rows, Some(broken(row.seq, Some(row.id), problem))));
        }
        if row.computed != row.hash {
            let problem = "its content (time, actor, event, target or detail) is not what was \
                           hashed when it was written: the row was changed"
                .to_string();
            return Ok(report(rows, Some(broken(row.seq, Some(row.id), problem))));
        }
        w.prev = row.hash;
        w.next_seq += 1;
    }
    if let Some(done) = walk.take()
        && let Some(broken) = done.end(&heads)
    {
        return Ok(report(rows, Some(broken)));
    }
    // Chains without a single row must not have a head past zero (every row deleted).
    for (chain, (seq, hash)) in &heads {
        if !walked.contains(chain) && (*seq != 0 || hash.as_slice() != GENESIS) {
            let broken = Walk::new(*chain).end(&heads);
            return Ok(report(rows, broken));
        }
    }
    Ok(report(rows, None))
}
