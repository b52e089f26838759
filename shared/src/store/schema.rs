//! The table's definition, as `infra/template.yaml` declares it. The local API and the
//! tests create their tables from this; a test keeps the template equal to it.

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use super::keys::{GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK, PK, SK};

/// (index name, partition key attribute, sort key attribute)
pub const INDEXES: &[(&str, &str, &str)] = &[(GSI1, GSI1_PK, GSI1_SK), (GSI2, GSI2_PK, GSI2_SK)];

/// Every key attribute of the table and its indexes; all are strings.
pub fn key_attributes() -> Vec<&'static str> {
    let mut names = vec![PK, SK];
    for (_, pk, sk) in INDEXES {
        names.push(pk);
        names.push(sk);
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

/// Creates the table and waits until it is `ACTIVE`.
pub async fn create_table(client: &Client, table: &str) -> Result<(), String> {
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash))
        .key_schema(key(SK, KeyType::Range));
    for name in key_attributes() {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition has its required fields"),
        );
    }
    for (index, pk, sk) in INDEXES {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(*index)
                .key_schema(key(pk, KeyType::Hash))
                .key_schema(key(sk, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("index has its required fields"),
        );
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

/// Creates the table unless it exists (the local API keeps its data between runs).
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), String> {
    match client.describe_table().table_name(table).send().await {
        Ok(_) => Ok(()),
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
