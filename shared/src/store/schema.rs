//! The table's definition, as `infra/template.yaml` declares it. The local API and the
//! tests create their tables from this; a test keeps the template equal to it.

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodb::Client;

use super::keys::{
    ACCOUNT_PROJECTION, FEED_PROJECTION, GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK, GSI3,
    GSI3_PK, GSI3_SK, GSI4, PK, SK,
};

/// The item layout's version. Local data kept between runs is stored per version, so a
/// database written with an older layout is left aside instead of misread.
pub const LAYOUT_VERSION: u32 = 4;

/// What the table's stream carries: both images, so an event can say what changed (an
/// edit, a read position moving forward, a participant leaving).
pub const STREAM_VIEW_TYPE: &str = "NEW_AND_OLD_IMAGES";

/// (index name, partition key attribute, sort key attribute)
pub const INDEXES: &[(&str, &str, &str)] = &[
    (GSI1, GSI1_PK, GSI1_SK),
    (GSI2, GSI2_PK, GSI2_SK),
    (GSI3, GSI3_PK, GSI3_SK),
    // An account's conversations by activity: the account key and the feed's sort key,
    // both already on every header.
    (GSI4, GSI2_PK, GSI1_SK),
];

/// What each index holds besides the keys: `None` is KEYS_ONLY. Every index entry is
/// written again when a projected attribute changes, so these lists hold only what the
/// index's readers need ([`super::keys`] says which attributes change when).
pub fn projection(index: &str) -> Option<&'static [&'static str]> {
    match index {
        GSI1 | GSI4 => Some(FEED_PROJECTION),
        GSI2 => Some(ACCOUNT_PROJECTION),
        _ => None,
    }
}

/// Every key attribute of the table and its indexes; all are strings.
pub fn key_attributes() -> Vec<&'static str> {
    let mut names = vec![PK, SK];
    for (_, pk, sk) in INDEXES {
        for name in [*pk, *sk] {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("key schema element has its required fields")
}

fn attribute_definitions() -> Vec<AttributeDefinition> {
    key_attributes()
        .into_iter()
        .map(|name| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition has its required fields")
        })
        .collect()
}

fn index_definition(index: &str, pk: &str, sk: &str) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(index)
        .key_schema(key(pk, KeyType::Hash))
        .key_schema(key(sk, KeyType::Range))
        .projection(match projection(index) {
            Some(attributes) => Projection::builder()
                .projection_type(ProjectionType::Include)
                .set_non_key_attributes(Some(attributes.iter().map(|a| a.to_string()).collect()))
                .build(),
            None => Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        })
        .build()
        .expect("index has its required fields")
}

/// Whether a table made for local use has the deployed table's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    On,
    /// For tests that read no stream: the local emulator numbers each stream record by
    /// scanning those before it, so a table written thousands of times would slow to a
    /// crawl for nothing.
    Off,
}

/// Creates the table, with its stream, and waits until it is `ACTIVE`.
pub async fn create_table(client: &Client, table: &str) -> Result<(), String> {
    create_table_with(client, table, Stream::On).await
}

pub async fn create_table_with(client: &Client, table: &str, stream: Stream) -> Result<(), String> {
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(stream == Stream::On)
                .set_stream_view_type(
                    (stream == Stream::On).then(|| StreamViewType::from(STREAM_VIEW_TYPE)),
                )
                .build()
                .map_err(|e| e.to_string())?,
        )
        .key_schema(key(PK, KeyType::Hash))
        .key_schema(key(SK, KeyType::Range));
    for definition in attribute_definitions() {
        request = request.attribute_definitions(definition);
    }
    for (index, pk, sk) in INDEXES {
        request = request.global_secondary_indexes(index_definition(index, pk, sk));
    }
    request
        .send()
        .await
        .map_err(|e| format!("CreateTable {table}: {e:?}"))?;
    client
        .wait_until_table_exists()
        .table_name(table)
        .wait(std::time::Duration::from_secs(30))
        .await
        .map_err(|e| format!("waiting for table {table} to become ACTIVE: {e:?}"))?;
    Ok(())
}

/// Creates the table unless it exists, and adds indexes a newer schema has (the local
/// API keeps its data between runs).
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), String> {
    match client.describe_table().table_name(table).send().await {
        Ok(output) => {
            let existing: Vec<String> = output
                .table
                .and_then(|t| t.global_secondary_indexes)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|i| i.index_name)
                .collect();
            for (index, pk, sk) in INDEXES {
                if existing.iter().any(|name| name == index) {
                    continue;
                }
                let definition = index_definition(index, pk, sk);
                let create = aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
                    .index_name(*index)
                    .set_key_schema(Some(definition.key_schema().to_vec()))
                    .set_projection(definition.projection().cloned())
                    .build()
                    .map_err(|e| e.to_string())?;
                client
                    .update_table()
                    .table_name(table)
                    .set_attribute_definitions(Some(attribute_definitions()))
                    .global_secondary_index_updates(
                        aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder()
                            .create(create)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| format!("UpdateTable {table} (add {index}): {e:?}"))?;
            }
            Ok(())
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            create_table(client, table).await
        }
        Err(err) => Err(format!("DescribeTable {table}: {err:?}")),
    }
}
