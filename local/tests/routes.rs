//! One route table: the local API's, the SAM template's and the OpenAPI document's are the
//! same, and the template's table is the one the code creates.

use std::collections::BTreeSet;

use serde_yaml::Value;

fn load(path: &str) -> Value {
    let text =
        std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// (method, path) of the routes the gateway authorizes this way.
fn local_routes_by(auth: local::Auth) -> BTreeSet<(String, String)> {
    local::ROUTES
        .iter()
        .filter(|r| r.auth == auth)
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect()
}

fn local_routes() -> BTreeSet<(String, String, String)> {
    local::ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.to_owned(),
                r.function.binary().to_owned(),
            )
        })
        .collect()
}

fn functions(template: &Value) -> Vec<&Value> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::Serverless::Function")
        .collect()
}

#[test]
fn the_template_declares_the_local_routes() {
    let template = load("infra/template.yaml");
    let mut declared = BTreeSet::new();
    let mut open = BTreeSet::new();
    let mut iam = BTreeSet::new();
    for function in functions(&template) {
        let binary = function["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda");
        for event in function["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
        {
            if event["Type"] == "HttpApi" {
                let properties = &event["Properties"];
                let method = properties["Method"].as_str().unwrap().to_owned();
                let path = properties["Path"].as_str().unwrap().to_owned();
                if properties["Auth"]["Authorizer"] == "NONE" {
                    open.insert((method.clone(), path.clone()));
                }
                if properties["Auth"]["Authorizer"] == "AWS_IAM" {
                    iam.insert((method.clone(), path.clone()));
                }
                declared.insert((method, path, binary.to_owned()));
            }
        }
    }
    assert_eq!(declared, local_routes());
    assert_eq!(open, local_routes_by(local::Auth::Open));
    assert_eq!(iam, local_routes_by(local::Auth::Iam));
}

#[test]
fn every_function_crate_is_in_the_template_for_arm64() {
    let template = load("infra/template.yaml");
    let binaries: BTreeSet<String> = functions(&template)
        .iter()
        .map(|f| {
            f["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let crates: BTreeSet<String> =
        std::fs::read_dir(format!("{}/../functions", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    assert_eq!(binaries, crates);
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"][0], "arm64");
}

#[test]
fn openapi_documents_every_route() {
    let openapi = load("openapi.yaml");
    assert_eq!(openapi["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    let mut open = BTreeSet::new();
    let mut iam = BTreeSet::new();
    for (path, item) in openapi["paths"].as_mapping().unwrap() {
        for method in ["get", "post", "put", "delete", "patch"] {
            if let Some(operation) = item.get(method) {
                let route = (method.to_uppercase(), path.as_str().unwrap().to_owned());
                if operation["security"]
                    .as_sequence()
                    .is_some_and(|s| s.is_empty())
                {
                    open.insert(route.clone());
                }
                if operation["security"][0].get("operatorIam").is_some() {
                    iam.insert(route.clone());
                }
                documented.insert(route);
            }
        }
    }
    assert_eq!(open, local_routes_by(local::Auth::Open));
    assert_eq!(iam, local_routes_by(local::Auth::Iam));
    let routes: BTreeSet<(String, String)> =
        local_routes().into_iter().map(|(m, p, _)| (m, p)).collect();
    assert_eq!(documented, routes);
}

#[test]
fn the_template_table_is_the_schema_the_code_creates() {
    let template = load("infra/template.yaml");
    let table = &template["Resources"]["MessagesTable"]["Properties"];
    let attributes: BTreeSet<&str> = table["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a["AttributeName"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = shared::store::schema::key_attributes()
        .into_iter()
        .collect();
    assert_eq!(attributes, expected);
    let indexes: BTreeSet<(String, String, String)> = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|index| {
            let name = index["IndexName"].as_str().unwrap();
            let projection = &index["Projection"];
            match shared::store::schema::projection(name) {
                Some(attributes) => {
                    assert_eq!(projection["ProjectionType"], "INCLUDE", "{name}");
                    let declared: Vec<&str> = projection["NonKeyAttributes"]
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap())
                        .collect();
                    assert_eq!(declared, attributes, "{name}");
                }
                None => assert_eq!(projection["ProjectionType"], "KEYS_ONLY", "{name}"),
            }
            let key = |i: usize| {
                index["KeySchema"][i]["AttributeName"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            };
            (
                index["IndexName"].as_str().unwrap().to_owned(),
                key(0),
                key(1),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = shared::store::schema::INDEXES
        .iter()
        .map(|(i, p, s)| (i.to_string(), p.to_string(), s.to_string()))
        .collect();
    assert_eq!(indexes, expected);
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"],
        shared::store::keys::TTL_ATTRIBUTE
    );
    assert_eq!(
        table["StreamSpecification"]["StreamViewType"],
        shared::store::schema::STREAM_VIEW_TYPE
    );
}

/// Every error code the functions can answer, from their source: the string after
/// `bad_request(`, `forbidden(`, `DomainError::invalid(`, `conflict(` or `code: `.
fn error_codes_in_source() -> BTreeSet<String> {
    fn visit(dir: &std::path::Path, codes: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() && name != "tests" {
                visit(&path, codes);
            } else if name.ends_with(".rs") && !name.contains("tests") {
                let source: String = std::fs::read_to_string(&path)
                    .unwrap()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                for marker in [
                    "bad_request( \"",
                    "bad_request(\"",
                    "forbidden( \"",
                    "forbidden(\"",
                    "DomainError::invalid( \"",
                    "DomainError::invalid(\"",
                    "conflict( \"",
                    "conflict(\"",
                    "code: \"",
                ] {
                    for (at, _) in source.match_indices(marker) {
                        let rest = &source[at + marker.len()..];
                        let code: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect();
                        if rest[code.len()..].starts_with('"') && !code.is_empty() {
                            codes.insert(code);
                        }
                    }
                }
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut codes = BTreeSet::new();
    visit(&root.join("shared/src"), &mut codes);
    visit(&root.join("functions"), &mut codes);
    codes
}

#[test]
fn openapi_names_every_error_code() {
    let openapi = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml"),
    )
    .unwrap();
    let codes = error_codes_in_source();
    assert!(codes.contains("invalid_target"), "{codes:?}");
    // Settings saves retry this one themselves; callers see 503.
    let internal = ["settings_changed"];
    let missing: Vec<&String> = codes
        .iter()
        .filter(|code| !internal.contains(&code.as_str()) && !openapi.contains(code.as_str()))
        .collect();
    assert!(missing.is_empty(), "not in openapi.yaml: {missing:?}");
}

#[test]
fn the_local_cors_answers_are_the_template_s() {
    let template = load("infra/template.yaml");
    let cors = &template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let list = |name: &str| {
        cors[name]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_lowercase())
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(list("AllowHeaders"), local::web::ALLOWED_HEADERS);
    assert_eq!(
        list("AllowMethods"),
        local::web::ALLOWED_METHODS.to_lowercase()
    );
    assert_eq!(list("ExposeHeaders"), local::web::EXPOSED_HEADERS);
}
