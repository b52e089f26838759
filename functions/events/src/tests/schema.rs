//! The event catalogue of `openapi.yaml` held against the events the code makes: every
//! type listed, and each event's fields of the types and shapes its schema gives.

use serde_json::Value;
use shared::domain::webhooks::EventType;
use shared::domain::Named;

fn openapi() -> Value {
    let text = include_str!("../../../../openapi.yaml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).expect("openapi.yaml is YAML");
    serde_json::to_value(yaml).expect("and JSON-shaped")
}

fn schema<'a>(document: &'a Value, name: &str) -> &'a Value {
    &document["components"]["schemas"][name]
}

/// The data schema each type's events carry.
fn data_schema(event_type: EventType) -> &'static str {
    use EventType::*;
    match event_type {
        MessageCreated | MessageEdited | MessageDeleted => "EventMessageData",
        MessageRead => "EventReadData",
        ConversationCreated | ConversationClosed => "EventConversationData",
        ParticipantAdded | ParticipantRemoved => "EventParticipantData",
        NotificationSent | NotificationFailed | NotificationBounced | NotificationComplained => {
            "EventNotificationData"
        }
        SmsOptedOut | SmsOptedIn => "EventSmsKeywordData",
        SmsUnmatched => "EventSmsUnmatchedData",
        WebhookDisabled => "EventWebhookDisabledData",
    }
}

/// What is wrong with `value` against `schema` (required fields, declared types, enums,
/// references, array items), at `path`.
fn problems(document: &Value, schema: &Value, value: &Value, path: &str, found: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return problems(document, self::schema(document, name), value, path, found);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if !types.is_empty() && !types.contains(&kind) {
        found.push(format!("{path}: {kind}, not {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !value.is_null() && !allowed.contains(value) {
            found.push(format!("{path}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(required) = schema["required"].as_array() {
        for name in required.iter().filter_map(Value::as_str) {
            if value.get(name).is_none() {
                found.push(format!("{path}.{name}: missing"));
            }
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (name, field) in object {
            if let Some(field_schema) = properties.get(name) {
                problems(
                    document,
                    field_schema,
                    field,
                    &format!("{path}.{name}"),
                    found,
                );
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            problems(document, items, item, &format!("{path}[{i}]"), found);
        }
    }
}

/// Panics when an event does not match the catalogue.
pub fn assert_catalogued(events: &[crate::Event]) {
    let document = openapi();
    for event in events {
        let value = serde_json::to_value(event).unwrap();
        let mut found = Vec::new();
        let envelope = schema(&document, "Event");
        let mut bare = envelope.clone();
        bare["properties"]["data"] = Value::Null;
        problems(&document, &bare, &value, "event", &mut found);
        let data = schema(&document, data_schema(event.event_type));
        problems(&document, data, &event.data, "data", &mut found);
        assert!(found.is_empty(), "{}: {found:?}", event.event_type.as_str());
    }
}

#[test]
fn the_catalogue_lists_every_type_and_its_data() {
    let document = openapi();
    let listed: Vec<&str> = schema(&document, "EventType")["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let made: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(listed, made);
    let data = schema(&document, "Event")["properties"]["data"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["$ref"].as_str())
        .collect::<Vec<_>>();
    for event_type in EventType::ALL {
        let name = data_schema(*event_type);
        assert!(
            data.contains(&format!("#/components/schemas/{name}").as_str()),
            "{name}"
        );
    }
}
