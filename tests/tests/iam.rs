//! Every AWS call each function makes is granted by its policies in `infra/template.yaml`,
//! and every grant is used: the emulators authorize everything, AWS authorizes nothing
//! that is not granted.
//!
//! Each function's own tests run again with their calls recorded (`testkit::aws_calls`:
//! the IAM actions and resources AWS checks, attributed to the function whose code sent
//! them); the policies come from the template through the SAM translator
//! (`scripts/iam_policies.py`), SAM's policy templates expanded. The test fails on an
//! action called but not granted, and on a grant nothing called (least privilege). Needs
//! moto, as the functions' tests do: `make test`, or `cargo test iam` with moto's
//! environment.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use testkit::aws_calls::{CALLS_DIR, FUNCTIONS};

/// Names a directory a whole test run recorded its calls into (with `TIDINGS_AWS_CALLS`).
const RECORDED: &str = "TIDINGS_AWS_CALLS_RECORDED";

/// (action, resource), e.g. `("dynamodb:Query", "dynamodb:table/index/gsi2")`.
type Call = (String, String);

#[derive(Debug, Clone)]
struct Statement {
    policy: String,
    allow: bool,
    actions: Vec<String>,
    resources: Vec<String>,
    added_by_sam: bool,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the test kit is in the workspace")
        .to_owned()
}

/// IAM's wildcard match: `*` is any run of characters, `/` included.
fn glob(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((head, rest)) => {
            let Some(value) = value.strip_prefix(head) else {
                return false;
            };
            (0..=value.len())
                .filter(|i| value.is_char_boundary(*i))
                .any(|i| glob(rest, &value[i..]))
        }
    }
}

impl Statement {
    /// A call this statement names. Actions without a resource (`*`) match only `*`.
    fn covers(&self, (action, resource): &Call) -> bool {
        self.actions.iter().any(|a| glob(a, action))
            && self.resources.iter().any(|r| {
                if resource == "*" {
                    r == "*"
                } else {
                    glob(r, resource)
                }
            })
    }
}

fn policies() -> BTreeMap<String, Vec<Statement>> {
    let python = workspace().join(".venv/bin/python");
    let output = Command::new(&python)
        .arg(workspace().join("scripts/iam_policies.py"))
        .output()
        .unwrap_or_else(|err| panic!("{} runs (make test installs it): {err}", python.display()));
    assert!(
        output.status.success(),
        "the template expands: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expanded: Value = serde_json::from_slice(&output.stdout).expect("JSON policies");
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let mut functions = BTreeMap::new();
    for (binary, function) in expanded.as_object().expect("functions") {
        let mut statements = Vec::new();
        for policy in function["policies"].as_array().into_iter().flatten() {
            for statement in policy["statements"].as_array().into_iter().flatten() {
                statements.push(Statement {
                    policy: policy["policy"].as_str().unwrap_or_default().to_owned(),
                    allow: statement["effect"] == "Allow",
                    actions: strings(&statement["actions"]),
                    resources: strings(&statement["resources"]),
                    added_by_sam: policy["added_by_sam"] == true,
                });
            }
        }
        functions.insert(binary.clone(), statements);
    }
    functions
}

/// The unit-test executables of the function crates, as cargo built them.
fn function_test_binaries() -> Vec<(String, PathBuf)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace())
        .args(["test", "--workspace", "--no-run"])
        .args(["--message-format=json"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the functions' tests build: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["profile"]["test"] == true)
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.contains(&"lib".into()))
        })
        .filter_map(|m| {
            let name = m["target"]["name"].as_str()?;
            let binary = FUNCTIONS.iter().find(|(krate, _)| *krate == name)?.1;
            Some((binary.to_owned(), PathBuf::from(m["executable"].as_str()?)))
        })
        .collect()
}

/// What each function called: recorded by the test run before this one when it names
/// its recordings (`make test` records its whole run, then checks), or else by running
/// every function's tests again, recorded.
fn recorded_calls() -> (BTreeMap<String, BTreeSet<Call>>, Vec<String>) {
    if let Ok(dir) = std::env::var(RECORDED) {
        return (read_calls(Path::new(&dir)), Vec::new());
    }
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aws-calls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let binaries = function_test_binaries();
    assert_eq!(
        binaries.len(),
        FUNCTIONS.len(),
        "one test binary per function: {binaries:?}"
    );
    // One at a time, as `cargo test` runs them: some measure their own requests and
    // deadlines. Every function's tests must pass: a failed test leaves calls unrecorded.
    let mut failed = Vec::new();
    for (binary, path) in &binaries {
        let output = Command::new(path)
            .env(CALLS_DIR, &dir)
            .output()
            .unwrap_or_else(|err| panic!("{} runs: {err}", path.display()));
        if !output.status.success() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let failures: Vec<_> = stdout
                .lines()
                .skip_while(|line| *line != "failures:")
                .collect();
            failed.push(format!("{binary}'s tests failed:\n{}", failures.join("\n")));
        }
    }
    (read_calls(&dir), failed)
}

fn read_calls(dir: &Path) -> BTreeMap<String, BTreeSet<Call>> {
    let mut calls: BTreeMap<String, BTreeSet<Call>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("calls were recorded") {
        let text = std::fs::read_to_string(entry.expect("an entry").path()).expect("readable");
        for line in text.lines() {
            let mut fields = line.split('\t');
            if let (Some(function), Some(action), Some(resource)) =
                (fields.next(), fields.next(), fields.next())
            {
                calls
                    .entry(function.to_owned())
                    .or_default()
                    .insert((action.to_owned(), resource.to_owned()));
            }
        }
    }
    calls
}

/// What is wrong with one function's policies against its calls: calls not granted (or
/// denied), and grants (action on resource) no call used.
fn findings(statements: &[Statement], calls: &BTreeSet<Call>) -> Vec<String> {
    let mut found = Vec::new();
    for call in calls {
        let allowed = statements.iter().any(|s| s.allow && s.covers(call));
        let denied = statements.iter().any(|s| !s.allow && s.covers(call));
        if !allowed || denied {
            found.push(format!("called but not granted: {} on {}", call.0, call.1));
        }
    }
    for statement in statements.iter().filter(|s| s.allow && !s.added_by_sam) {
        for action in &statement.actions {
            for resource in &statement.resources {
                let grant = Statement {
                    actions: vec![action.clone()],
                    resources: vec![resource.clone()],
                    ..statement.clone()
                };
                if !calls.iter().any(|call| grant.covers(call)) {
                    found.push(format!(
                        "granted but never called: {action} on {resource} ({})",
                        statement.policy
                    ));
                }
            }
        }
    }
    found
}

/// Calls in a table: S3 keys by their prefix, the rest as they are.
fn summary(calls: &BTreeSet<Call>) -> BTreeMap<String, BTreeSet<String>> {
    let mut table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (action, resource) in calls {
        let resource = match resource.strip_prefix("s3:bucket/") {
            Some(key) => format!("s3:bucket/{}/…", key.split('/').next().unwrap_or_default()),
            None => resource.clone(),
        };
        table.entry(action.clone()).or_default().insert(resource);
    }
    table
}

#[test]
fn iam_policies_grant_exactly_what_each_function_calls() {
    let policies = policies();
    let (calls, mut failures) = recorded_calls();
    for (_, binary) in FUNCTIONS {
        let statements = policies
            .get(*binary)
            .unwrap_or_else(|| panic!("the template has a function built as {binary}"));
        let called = calls.get(*binary).cloned().unwrap_or_default();
        println!("== {binary}: calls seen in its tests");
        for (action, resources) in summary(&called) {
            let resources: Vec<_> = resources.into_iter().collect();
            println!("   {action:<30} {}", resources.join(", "));
        }
        println!("   policies checked:");
        for statement in statements {
            println!(
                "   {} {} {:?} on {:?}{}",
                statement.policy,
                if statement.allow { "Allow" } else { "Deny" },
                statement.actions,
                statement.resources,
                if statement.added_by_sam {
                    " (added by SAM for the platform)"
                } else {
                    ""
                }
            );
        }
        let found = findings(statements, &called);
        failures.extend(found.iter().map(|f| format!("{binary}: {f}")));
        // Least privilege, shown: without any one grant, a call is refused.
        for (i, statement) in statements.iter().enumerate() {
            if !statement.allow || statement.added_by_sam {
                continue;
            }
            for action in &statement.actions {
                let mut narrower = statements.to_vec();
                narrower[i].actions.retain(|a| a != action);
                let still = findings(&narrower, &called);
                assert!(
                    !found.is_empty() || !still.is_empty(),
                    "{binary}: removing {action} from {} goes unnoticed",
                    statement.policy
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "IAM findings:\n{}",
        failures.join("\n")
    );
}

#[test]
fn iam_wildcards_match_as_aws_does() {
    assert!(glob("s3:bucket/uploads/*", "s3:bucket/uploads/acme+eu/c/1"));
    assert!(!glob("s3:bucket/uploads/*", "s3:bucket/files/acme/c/1"));
    assert!(glob("dynamodb:*", "dynamodb:ConditionCheckItem"));
    assert!(!glob("dynamodb:table", "dynamodb:table/index/gsi2"));
    let statement = Statement {
        policy: "p".into(),
        allow: true,
        actions: vec!["sns:Publish".into()],
        resources: vec!["sns:*".into()],
        added_by_sam: false,
    };
    assert!(
        !statement.covers(&("sns:Publish".into(), "*".into())),
        "a text to a phone number is not a topic"
    );
}
