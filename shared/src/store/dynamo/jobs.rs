//! Jobs on the table: the job item, its lease and place on `gsi3`, the erasure marker and
//! the chunks of conversations a job walks (design in `keys/jobs.rs`).

use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde::{Deserialize, Serialize};

use super::expr::UpdateExpr;
use super::item::{
    attribute, classify, expires_in, failed_condition_item, from_item, get_s, internal, keyed_item,
    s, Item,
};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::ids::TenantId;
use crate::domain::jobs::{Job, JobKind, JobStatus, Person};
use crate::domain::{ConversationId, Named};
use crate::store::keys::{self, GSI3, GSI3_PK, GSI3_SK, PK, TTL_ATTRIBUTE};
use crate::store::{DueJob, JobStart, JobStore, Lease, StoreError};

/// The list chunks outlive any job's run.
const CHUNK_TTL_SECS: i64 = 7 * 24 * 3600;
/// A finished export's job goes with its file (the bucket keeps `exports/` a day).
const EXPORT_TTL_SECS: i64 = 24 * 3600;

#[derive(Serialize, Deserialize)]
struct Marker {
    job_id: String,
}

#[derive(Serialize, Deserialize)]
struct Chunk {
    conversations: Vec<String>,
}

impl DynamoStore {
    fn job_put(&self, tenant: &TenantId, job: &Job) -> Result<TransactWriteItem, StoreError> {
        let mut item = keyed_item(keys::job_pk(tenant, &job.job_id), keys::JOB_SK, job)?;
        item.insert(GSI3_PK.into(), s(keys::JOBS_INDEX_PK));
        item.insert(GSI3_SK.into(), s(&job.created_at));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn marker_put(
        &self,
        tenant: &TenantId,
        job: &Job,
        replaces: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        let marker = Marker {
            job_id: job.job_id.clone(),
        };
        let item = keyed_item(
            keys::erase_pk(tenant, &job.person.key()),
            keys::ERASE_SK,
            &marker,
        )?;
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        put = match replaces {
            Some(old) => put
                .condition_expression(format!("attribute_not_exists({PK}) OR job_id = :old"))
                .expression_attribute_values(":old", s(old)),
            None => put.condition_expression(format!("attribute_not_exists({PK})")),
        };
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(internal)?)
            .build())
    }

    fn job_from(item: &Item) -> Result<Job, StoreError> {
        from_item(item)
    }
}

impl JobStore for DynamoStore {
    async fn start_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        replaces: Option<&str>,
    ) -> Result<JobStart, StoreError> {
        let mut items = Transaction::new().with(Part::Job, self.job_put(tenant, job)?);
        if job.kind == JobKind::Erase {
            items.push(Part::JobMarker, self.marker_put(tenant, job, replaces)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(JobStart::Created(job.clone())),
            Err(TransactFailure::Store(err)) => Err(err),
            Err(TransactFailure::Cancelled(c)) if c.failed(Part::JobMarker) => {
                // Another request started the person's erasure first.
                match self.erasure_of(tenant, &job.person).await? {
                    Some(existing) => Ok(JobStart::Existing(existing)),
                    None => Err(StoreError::Unavailable(
                        "the erasure marker names no job yet".into(),
                    )),
                }
            }
            Err(TransactFailure::Cancelled(c)) => Err(c.unavailable()),
        }
    }

    async fn job(&self, tenant: &TenantId, job_id: &str) -> Result<Option<Job>, StoreError> {
        self.get_item(keys::job_pk(tenant, job_id), keys::JOB_SK)
            .await?
            .as_ref()
            .map(Self::job_from)
            .transpose()
    }

    async fn erasure_of(
        &self,
        tenant: &TenantId,
        person: &Person,
    ) -> Result<Option<Job>, StoreError> {
        let marker = self
            .get_item(keys::erase_pk(tenant, &person.key()), keys::ERASE_SK)
            .await?;
        match marker.as_ref().and_then(|m| get_s(m, "job_id")) {
            Some(job_id) => self.job(tenant, job_id).await,
            None => Ok(None),
        }
    }

    async fn due_jobs(&self, now: &str, limit: u32) -> Result<Vec<DueJob>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI3)
            .key_condition_expression("gsi3pk = :jobs AND gsi3sk <= :now")
            .expression_attribute_values(":jobs", s(keys::JOBS_INDEX_PK))
            .expression_attribute_values(":now", s(now))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(classify)?;
        Ok(output
            .items()
            .iter()
            .filter_map(|item| keys::parse_job_pk(get_s(item, PK)?))
            .map(|(tenant, job_id)| DueJob {
                tenant: TenantId::from(tenant),
                job_id,
            })
            .collect())
    }

    async fn claim_job(
        &self,
        job: &DueJob,
        lease: &Lease,
        now: &str,
    ) -> Result<Option<Job>, StoreError> {
        let claim = UpdateExpr::new()
            .set("#status = :running")
            .set("lease_owner = :owner")
            .set("lease_until = :until")
            .set("gsi3sk = :until")
            .set("started_at = if_not_exists(started_at, :now)")
            .set("updated_at = :now")
            .condition(
                "#status IN (:queued, :running) AND \
                 (attribute_not_exists(lease_until) OR lease_until < :now)",
            )
            .name("#status", "status")
            .value(":running", s(JobStatus::Running.as_str()))
            .value(":queued", s(JobStatus::Queued.as_str()))
            .value(":owner", s(&lease.owner))
            .value(":until", s(&lease.until))
            .value(":now", s(now));
        let result = self
            .update_item(keys::job_pk(&job.tenant, &job.job_id), keys::JOB_SK, &claim)
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some(Self::job_from(
                &output.attributes.unwrap_or_default(),
            )?)),
            Err(err) => failed_condition_item(err).map(|_| None),
        }
    }

    async fn save_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        lease: &Lease,
    ) -> Result<bool, StoreError> {
        let mut update = UpdateExpr::new()
            .set("#status = :status")
            .set("#progress = :progress")
            .set("#cursor = :cursor")
            .set("updated_at = :now")
            .condition("lease_owner = :owner")
            .name("#status", "status")
            .name("#progress", "progress")
            .name("#cursor", "cursor")
            .value(":status", s(job.status.as_str()))
            .value(":progress", attribute(&job.progress)?)
            .value(":cursor", attribute(&job.cursor)?)
            .value(":now", s(&job.updated_at))
            .value(":owner", s(&lease.owner));
        if job.status.finished() {
            update = update
                .set("finished_at = :now")
                .remove(GSI3_PK)
                .remove(GSI3_SK)
                .remove("lease_until")
                .remove("lease_owner");
            if let Some(key) = &job.export_key {
                update = update.set("export_key = :key").value(":key", s(key));
            }
            if let Some(error) = &job.error {
                update = update
                    .set("#error = :error")
                    .name("#error", "error")
                    .value(":error", s(error));
            }
            if job.kind == JobKind::Export {
                update = update
                    .set(format!("{TTL_ATTRIBUTE} = :expires"))
                    .value(":expires", expires_in(EXPORT_TTL_SECS));
            }
        } else {
            update = update
                .set("lease_until = :until")
                .set("gsi3sk = :until")
                .value(":until", s(&lease.until));
        }
        let result = self
            .update_item(keys::job_pk(tenant, &job.job_id), keys::JOB_SK, &update)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::None)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) => failed_condition_item(err).map(|_| false),
        }
    }

    async fn release_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        lease: &Lease,
        retry_at: &str,
    ) -> Result<(), StoreError> {
        let update = UpdateExpr::new()
            .set("gsi3sk = :retry")
            .set("#error = :error")
            .set("updated_at = :now")
            .set("attempts = :attempts")
            .remove("lease_until")
            .remove("lease_owner")
            .condition("lease_owner = :owner")
            .name("#error", "error")
            .value(":retry", s(retry_at))
            .value(":error", s(job.error.clone().unwrap_or_default()))
            .value(":now", s(&job.updated_at))
            .value(":attempts", AttributeValue::N(job.attempts.to_string()))
            .value(":owner", s(&lease.owner));
        let result = self
            .update_item(keys::job_pk(tenant, &job.job_id), keys::JOB_SK, &update)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Another worker holds it now: it is theirs to go on with.
            Err(err) => failed_condition_item(err).map(|_| ()),
        }
    }

    async fn put_job_chunk(
        &self,
        tenant: &TenantId,
        job_id: &str,
        chunk: u32,
        conversations: &[ConversationId],
    ) -> Result<(), StoreError> {
        let record = Chunk {
            conversations: conversations.iter().map(ConversationId::encode).collect(),
        };
        let mut item = keyed_item(
            keys::job_pk(tenant, job_id),
            keys::job_chunk_sk(chunk),
            &record,
        )?;
        item.insert(TTL_ATTRIBUTE.into(), expires_in(CHUNK_TTL_SECS));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn job_chunk(
        &self,
        tenant: &TenantId,
        job_id: &str,
        chunk: u32,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let Some(item) = self
            .get_item(keys::job_pk(tenant, job_id), &keys::job_chunk_sk(chunk))
            .await?
        else {
            return Err(StoreError::Internal(format!(
                "job {job_id} has no conversation chunk {chunk}"
            )));
        };
        let record: Chunk = from_item(&item)?;
        record
            .conversations
            .iter()
            .map(|text| {
                ConversationId::decode(text).ok_or_else(|| {
                    StoreError::Internal(format!("job {job_id}: invalid conversation {text}"))
                })
            })
            .collect()
    }
}
