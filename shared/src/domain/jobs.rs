//! Jobs on one person's data: an export of everything held about them, or its erasure.
//! A job runs in steps on the scheduled `jobs` function; after each step its cursor and
//! counts are stored, so a worker that stops is followed by the next from there.

use serde::{Deserialize, Serialize};

use super::named::Named;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Export,
    Erase,
}

impl Named for JobKind {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl Named for JobStatus {}

impl JobStatus {
    pub fn finished(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed)
    }
}

/// Whose data a job is about: a contact of a customer account, or a staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Person {
    Contact {
        customer_id: String,
        contact_id: String,
    },
    Staff {
        user_id: String,
    },
}

/// What an erasure replaces a person's name with where a record of them stays.
pub const ERASED_CONTACT_NAME: &str = "Erased contact";
pub const ERASED_STAFF_NAME: &str = "Erased staff member";

impl Person {
    /// The person's user id: a contact's and a staff member's `sub`.
    pub fn user_id(&self) -> &str {
        match self {
            Person::Contact { contact_id, .. } => contact_id,
            Person::Staff { user_id } => user_id,
        }
    }

    /// Which side of a conversation they are on.
    pub fn side(&self) -> super::Side {
        match self {
            Person::Contact { .. } => super::Side::Customer,
            Person::Staff { .. } => super::Side::Staff,
        }
    }

    /// The sender type of the messages they write.
    pub fn sender_type(&self) -> super::SenderType {
        match self {
            Person::Contact { .. } => super::SenderType::Customer,
            Person::Staff { .. } => super::SenderType::Staff,
        }
    }

    /// How delivery records name them as a recipient.
    pub fn recipient(&self) -> String {
        match self {
            Person::Contact { contact_id, .. } => format!("contact:{contact_id}"),
            Person::Staff { user_id } => format!("staff:{user_id}"),
        }
    }

    /// The name their messages keep once erased.
    pub fn erased_name(&self) -> &'static str {
        match self {
            Person::Contact { .. } => ERASED_CONTACT_NAME,
            Person::Staff { .. } => ERASED_STAFF_NAME,
        }
    }

    /// A stable text naming the person within a tenant (the erasure's idempotency key).
    pub fn key(&self) -> String {
        match self {
            Person::Contact {
                customer_id,
                contact_id,
            } => format!("contact#{customer_id}#{contact_id}"),
            Person::Staff { user_id } => format!("staff#{user_id}"),
        }
    }
}

/// What a job has done so far: shown while it runs, and the erasure's record once done
/// (counts only, no content).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    #[serde(default)]
    pub steps: u64,
    #[serde(default)]
    pub conversations: u64,
    /// Messages written to the export, or emptied by the erasure.
    #[serde(default)]
    pub messages: u64,
    /// Files linked in the export, or deleted by the erasure.
    #[serde(default)]
    pub files: u64,
    /// Delivery records exported, or whose address the erasure removed.
    #[serde(default)]
    pub deliveries: u64,
    /// Directory items the erasure removed: the profile, phone claim, opt-out, auto-reply
    /// mark, assignments, search entries.
    #[serde(default)]
    pub directory_items: u64,
}

/// Where a job goes on from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The profile, and the list of conversations to walk (stored in chunks).
    #[default]
    Start,
    /// The person's messages, conversation by conversation.
    Messages,
    /// Delivery records addressed to them, conversation by conversation.
    Deliveries,
    /// The export joined into one file; the erasure's directory items removed.
    Finish,
    Done,
}

/// The section of the export document its written pieces leave open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    #[default]
    None,
    Messages,
    Deliveries,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCursor {
    #[serde(default)]
    pub phase: Phase,
    /// Chunks of the conversation list the start step stored.
    #[serde(default)]
    pub chunks: u32,
    /// The conversation being walked: its chunk and place in it.
    #[serde(default)]
    pub chunk: u32,
    #[serde(default)]
    pub index: u32,
    /// The last item of that conversation already done (a message id, a delivery key).
    pub after: Option<String>,
    /// The person's newest message seen in that conversation (its header may name them).
    pub newest_own: Option<String>,
    /// Pieces of the export written so far, and the section they leave open.
    #[serde(default)]
    pub pieces: u32,
    #[serde(default)]
    pub open: Section,
}

/// A job as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub job_id: String,
    pub kind: JobKind,
    pub person: Person,
    pub status: JobStatus,
    /// The admin (or host application) who asked.
    pub requested_by: String,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    #[serde(default)]
    pub progress: JobProgress,
    #[serde(default)]
    pub cursor: JobCursor,
    /// Failed attempts so far (a step that failed is tried again by a later run).
    #[serde(default)]
    pub attempts: u64,
    pub error: Option<String>,
    /// Where a finished export is, in the files bucket.
    pub export_key: Option<String>,
}

impl Job {
    pub fn new(job_id: String, kind: JobKind, person: Person, by: &str, now: &str) -> Job {
        Job {
            job_id,
            kind,
            person,
            status: JobStatus::Queued,
            requested_by: by.to_owned(),
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            started_at: None,
            finished_at: None,
            progress: JobProgress::default(),
            cursor: JobCursor::default(),
            attempts: 0,
            error: None,
            export_key: None,
        }
    }

    /// What the API shows of a job: no cursor, lease or storage key.
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "job_id": self.job_id,
            "kind": self.kind,
            "person": self.person,
            "status": self.status,
            "requested_by": self.requested_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "progress": self.progress,
            "error": self.error,
        })
    }
}
