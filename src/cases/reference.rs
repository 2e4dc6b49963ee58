//! The reference data every list and case page reads (kab/kota, hospitals, holidays, the
//! desks' SLA days), kept in memory per epoch: a view reads the one row of `reference_epoch`
//! instead of the four tables, and they are read again only after a change has moved the
//! epoch (any change does, by trigger, in the changing transaction: migration
//! `20261214010000_reference_epoch.sql`). Every instance sees a change on its next view.
//! Only the pages read through it; what writes or checks (intake, the admin pages, the
//! figures) reads the tables themselves.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::db::cases as db_cases;
use crate::db::reference::{self as db_reference, Hospital, KabKota};
use crate::domain::CaseState;

/// The reference tables as of one epoch.
#[derive(Debug)]
pub struct Reference {
    pub epoch: i64,
    /// By code.
    pub kab_kota: Vec<KabKota>,
    /// By name.
    pub hospitals: Vec<Hospital>,
    pub holidays: BTreeSet<NaiveDate>,
    pub sla_days: HashMap<CaseState, u32>,
}

/// The last [`Reference`] read by this process (shared by clones).
#[derive(Debug, Clone, Default)]
pub struct ReferenceMemo(Arc<Mutex<Option<Arc<Reference>>>>);

impl ReferenceMemo {
    /// The reference data as it is now: the kept copy when the epoch has not moved, otherwise
    /// read anew on `conn` (which may be in a transaction) and kept.
    pub async fn current(&self, conn: &mut PgConnection) -> sqlx::Result<Arc<Reference>> {
        let epoch = sqlx::query_scalar!("SELECT n FROM reference_epoch")
            .fetch_one(&mut *conn)
            .await?;
        if let Some(kept) = self.kept().filter(|r| r.epoch == epoch) {
            return Ok(kept);
        }
        // Read after the epoch, so the tables are at least as new as the epoch they are kept
        // under: a change in between moves the epoch past it, and the next view reads again.
        let read = Arc::new(Reference {
            epoch,
            kab_kota: db_reference::list_kab_kota(&mut *conn).await?,
            hospitals: db_reference::list_hospitals(&mut *conn).await?,
            holidays: db_cases::holidays(&mut *conn).await?,
            sla_days: db_cases::sla_days(&mut *conn).await?,
        });
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // A slower reader must not put back an older copy over a newer one.
        if kept.as_ref().is_none_or(|k| k.epoch <= read.epoch) {
            *kept = Some(read.clone());
        }
        Ok(read)
    }

    /// The kept copy, if it is as new as `epoch` or newer (an epoch the request read already,
    /// with its user: `auth::PageReads`): no statement at all.
    pub fn at_least(&self, epoch: i64) -> Option<Arc<Reference>> {
        self.kept().filter(|r| r.epoch >= epoch)
    }

    fn kept(&self) -> Option<Arc<Reference>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
