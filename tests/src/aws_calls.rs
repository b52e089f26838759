//! Which function made which AWS call, as IAM will authorize it: with
//! `TIDINGS_AWS_CALLS=<dir>` in the environment, every client the test kit builds records
//! each request as the IAM actions and resources AWS checks for it (a TransactWriteItems
//! is the PutItem, UpdateItem, DeleteItem and ConditionCheckItem of its items; a
//! CopyObject reads its source and writes its key; a presigned link is the action it
//! grants), attributed to the function whose code sent it, into `<dir>/<pid>.tsv`.
//!
//! The function is found on the call's own stack: the innermost frame of a function
//! crate that is not a test module. Calls from test code (seeding, assertions) have none
//! and are not recorded; the configuration a function reads at its cold start is shared
//! wiring, recorded for the crate whose tests run it. `tests/tests/iam` runs each
//! function's tests this way and compares what they recorded with the template.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The environment variable naming the directory calls are recorded into.
pub const CALLS_DIR: &str = "TIDINGS_AWS_CALLS";

/// The function crates, as their symbols start (`mark_read::…`), and the binary each is.
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("send", "send"),
    ("thread", "thread"),
    ("export", "export"),
    ("mark_read", "mark-read"),
    ("activity", "activity"),
    ("admin", "admin"),
    ("notify", "notify"),
    ("sms_inbound", "sms-inbound"),
    ("jobs", "jobs"),
    ("events", "events"),
    ("webhooks", "webhooks"),
    ("email_inbound", "email-inbound"),
];

/// Shared code that runs at a function's cold start (the secret it reads): recorded for
/// the crate whose test binary runs it.
const COLD_START: &[&str] = &["shared::config::Config::load", "shared::app::first_use"];

struct Sink {
    file: std::fs::File,
    seen: HashSet<String>,
}

fn sink() -> Option<&'static Mutex<Sink>> {
    static SINK: OnceLock<Option<Mutex<Sink>>> = OnceLock::new();
    SINK.get_or_init(|| {
        let dir = std::env::var(CALLS_DIR).ok().filter(|d| !d.is_empty())?;
        std::fs::create_dir_all(&dir).ok()?;
        let path = std::path::Path::new(&dir).join(format!("{}.tsv", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(Mutex::new(Sink {
            file,
            seen: HashSet::new(),
        }))
    })
    .as_ref()
}

/// The crate this test binary is the unit tests of (`send-1a2b…` → `send`).
fn own_crate() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_name()?.to_str().map(str::to_owned))
        .and_then(|name| name.rsplit_once('-').map(|(stem, _)| stem.to_owned()))
        .unwrap_or_default()
}

/// Presigning that only learns a URL (the bucket's, for upload forms): it authorizes
/// nothing, so it is no call.
const NOT_CALLS: &[&str] = &["::bucket_url"];

/// The function whose code is on this stack, innermost first.
fn calling_function() -> Option<&'static str> {
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    if NOT_CALLS.iter().any(|frame| trace.contains(frame)) {
        return None;
    }
    let mut cold_start = false;
    for frame in trace.lines().map(str::trim) {
        let Some((_, symbol)) = frame.split_once(": ") else {
            continue;
        };
        let path = symbol.trim_start_matches('<');
        let in_tests = path
            .split("::")
            .any(|segment| segment == "tests" || segment.ends_with("_tests"));
        if let Some((_, binary)) = FUNCTIONS
            .iter()
            .find(|(krate, _)| path.starts_with(&format!("{krate}::")))
        {
            if !in_tests {
                return Some(binary);
            }
        }
        cold_start |= COLD_START.iter().any(|c| path.starts_with(c));
    }
    if !cold_start {
        return None;
    }
    let own = own_crate();
    FUNCTIONS
        .iter()
        .find(|(krate, _)| *krate == own)
        .map(|(_, binary)| *binary)
}

fn record(calls: &[(String, String)]) {
    let Some(sink) = sink() else { return };
    let Some(function) = calling_function() else {
        return;
    };
    let mut sink = sink.lock().unwrap();
    for (action, resource) in calls {
        let line = format!("{function}\t{action}\t{resource}\n");
        if sink.seen.insert(line.clone()) {
            let _ = sink.file.write_all(line.as_bytes());
        }
    }
}

/// The recording interceptor; it records nothing unless [`CALLS_DIR`] is set.
#[derive(Clone, Debug, Default)]
pub struct AwsCalls;

impl Intercept for AwsCalls {
    fn name(&self) -> &'static str {
        "AwsCalls"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if sink().is_none() {
            return Ok(());
        }
        let (service, operation) = cfg
            .load::<Metadata>()
            .map_or(("unknown", "unknown"), |m| (m.service(), m.name()));
        let calls = crate::iam_actions::of_input(service, operation, context.input());
        record(&calls);
        Ok(())
    }
}

/// Records the upload a browser makes with a presigned POST form: S3 authorizes it as the
/// signer's `s3:PutObject` of the form's key, and only the send function signs forms
/// (`POST /attachments`).
pub fn record_upload_form(key: &str) {
    let Some(sink) = sink() else { return };
    let line = format!("send\ts3:PutObject\ts3:bucket/{key}\n");
    let mut sink = sink.lock().unwrap();
    if sink.seen.insert(line.clone()) {
        let _ = sink.file.write_all(line.as_bytes());
    }
}
