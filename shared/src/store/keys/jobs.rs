//! Keys of jobs on a person's data (exports and erasures) and of the erasure marker.
//!
//! # Jobs
//!
//! A job is one item, `T#{tenant}#JOB#{job id}` / `JOB` (the id is a ULID): the person,
//! who asked, status, counts and the cursor it goes on from. While it is queued or running
//! it is on `gsi3` under [`JOBS_INDEX_PK`] with `gsi3sk` = when it is due (its creation,
//! then the end of the lease a worker holds, then the retry after a failure): the worker
//! Queries `gsi3sk <= now` and reads only jobs it can take. The partition is apart from
//! the dispatcher's `DUE#{shard}` and `HELD#{tenant}`; jobs are rare (an admin's
//! request), so one index partition holds them all. Finishing removes the index keys.
//!
//! A worker takes a job with a conditional UpdateItem (status queued or running, and no
//! lease, or an ended one), holding it for a lease (`lease_until`, `lease_owner`); every
//! step's cursor and counts are written under the condition that it still holds the
//! lease. A worker that stops leaves the job due when its lease ends, and the next run
//! goes on from the stored cursor: every step is safe to run twice (an export piece is
//! written again under the same key; an erased message is not erased again).
//!
//! The conversations a job walks are listed once, at its start, in chunks of
//! [`JOB_CHUNK`] ids (`CONV#{n}` items in the job's partition, TTL 7 days): the feed
//! indexes move a conversation with every message, so a walk over them while people
//! write could skip one or meet it twice.
//!
//! An erasure also writes `T#{tenant}#ERASE#{person}` / `ERASE`, naming its job, in the
//! job's transaction (only if absent, or naming a job the request replaces): asking again
//! finds the same job, never starts a second erasure. Erasure jobs have no TTL: the job
//! is the record of the erasure (who asked, when, how many items, no content). Export
//! jobs expire a day after they finish, with their file.
//!
//! # Costs
//!
//! | operation | requests | capacity |
//! |---|---|---|
//! | start an export | GetItem of the contact; TransactWriteItems of the job Put (with its `gsi3` entry) | 2 requests, 1 RRU, 3 WRU |
//! | start an erasure | GetItem of the contact (or profile) and of the marker; TransactWriteItems of the job (with its `gsi3` entry) and the marker | 3 requests, 2 RRU, 5 WRU; asked again: the contact, the marker and the job (3 GetItems, 3 RRU), no write |
//! | read a job | GetItem | 1 request, 1 RRU |
//! | a worker run | one Query of `gsi3` (`JOBS`), per job a claim UpdateItem, per step one UpdateItem of the cursor | |
//! | walk a contact's data | the account's conversations (Queries of `gsi4`), per conversation its messages (Queries filtered by sender: every message of the conversation is read, theirs returned) and its delivery records (Queries filtered by recipient) | grows with the account's history, not the tenant's |
//! | walk a staff member's data | the tenant's conversations (Queries of `gsi1`), then the same per conversation | grows with the tenant's whole history: about 0.5 RRU per message and per feed entry read (eventually consistent Queries of 1 MB are 128 RRU); a tenant of 20,000 conversations and a million messages reads about 500,000 RRU once, for a rare job |
//! | erase a message | the placeholder's writes (the message, its header when it was the newest) and a DeleteObject per file | |
//!
//! Measured (`make bench`, a contact who wrote 10,000 messages of 500 characters among
//! 11,000 in their account): the export reads 2,097 RRU in 125 requests and writes 186
//! WRU (61 steps: job cursors, list chunk); the erasure 10,187 requests, 2,153 RRU and
//! 20,218 WRU (about 2 WRU a message: its placeholder transaction).

/// The sort key of a job item.
pub const JOB_SK: &str = "JOB";

/// Conversation ids a list chunk of a job holds.
pub const JOB_CHUNK: usize = 500;

/// The `gsi3` partition of due jobs.
pub const JOBS_INDEX_PK: &str = "JOBS";

pub const ERASE_SK: &str = "ERASE";

pub fn job_pk(tenant: &str, job: &str) -> String {
    format!("T#{tenant}#JOB#{job}")
}

/// The tenant and job id of a job's partition key.
pub fn parse_job_pk(pk: &str) -> Option<(String, String)> {
    let (tenant, job) = pk.strip_prefix("T#")?.split_once("#JOB#")?;
    Some((tenant.to_owned(), job.to_owned()))
}

pub fn job_chunk_sk(chunk: u32) -> String {
    format!("CONV#{chunk:05}")
}

/// The erasure marker of a person ([`crate::domain::jobs::Person::key`]).
pub fn erase_pk(tenant: &str, person: &str) -> String {
    format!("T#{tenant}#ERASE#{person}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_key_reads_back() {
        assert_eq!(
            parse_job_pk(&job_pk("t1", "01J")),
            Some(("t1".into(), "01J".into()))
        );
        assert!(job_chunk_sk(2) > job_chunk_sk(1));
    }
}
