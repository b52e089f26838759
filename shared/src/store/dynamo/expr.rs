//! Update expressions by name: each clause with the names and values it uses, instead of
//! SET/ADD/REMOVE lists joined by hand.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Update};

use super::item::{internal, s};
use super::DynamoStore;
use crate::store::keys::{PK, SK};
use crate::store::StoreError;

/// An UpdateItem's (or a transaction Update's) expression, condition, names and values.
#[derive(Debug, Clone, Default)]
pub(crate) struct UpdateExpr {
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    delete: Vec<String>,
    condition: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl UpdateExpr {
    pub(crate) fn new() -> Self {
        UpdateExpr::default()
    }

    /// A `SET` clause (`#status = if_not_exists(#status, :open)`).
    pub(crate) fn set(mut self, clause: impl Into<String>) -> Self {
        self.set.push(clause.into());
        self
    }

    /// An `ADD` clause (`message_count :one`).
    pub(crate) fn add(mut self, clause: impl Into<String>) -> Self {
        self.add.push(clause.into());
        self
    }

    /// A `REMOVE` clause (an attribute).
    pub(crate) fn remove(mut self, clause: impl Into<String>) -> Self {
        self.remove.push(clause.into());
        self
    }

    /// A `DELETE` clause (elements of a set: `participants :user`).
    pub(crate) fn delete(mut self, clause: impl Into<String>) -> Self {
        self.delete.push(clause.into());
        self
    }

    pub(crate) fn condition(mut self, condition: impl Into<String>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// `#placeholder` stands for `attribute`.
    pub(crate) fn name(mut self, placeholder: &str, attribute: impl Into<String>) -> Self {
        self.names.insert(placeholder.to_owned(), attribute.into());
        self
    }

    /// `:placeholder` stands for `value`.
    pub(crate) fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    /// The update expression: its clauses, kind by kind.
    pub(crate) fn expression(&self) -> String {
        [
            ("SET", &self.set),
            ("ADD", &self.add),
            ("REMOVE", &self.remove),
            ("DELETE", &self.delete),
        ]
        .into_iter()
        .filter(|(_, clauses)| !clauses.is_empty())
        .map(|(kind, clauses)| format!("{kind} {}", clauses.join(", ")))
        .collect::<Vec<_>>()
        .join(" ")
    }

    pub(crate) fn condition_expression(&self) -> Option<String> {
        self.condition.clone()
    }

    /// The names, or none when no clause uses one (DynamoDB refuses an empty map).
    pub(crate) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub(crate) fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

impl DynamoStore {
    /// A transaction's Update of one item.
    pub(super) fn update(
        &self,
        pk: impl Into<String>,
        sk: impl Into<String>,
        update: &UpdateExpr,
    ) -> Result<Update, StoreError> {
        Update::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(update.expression())
            .set_condition_expression(update.condition_expression())
            .set_expression_attribute_names(update.names())
            .set_expression_attribute_values(update.values())
            .build()
            .map_err(internal)
    }

    /// An UpdateItem request of one item, for the caller to add to and send.
    pub(super) fn update_item(
        &self,
        pk: impl Into<String>,
        sk: impl Into<String>,
        update: &UpdateExpr,
    ) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(update.expression())
            .set_condition_expression(update.condition_expression())
            .set_expression_attribute_names(update.names())
            .set_expression_attribute_values(update.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_join_kind_by_kind() {
        let update = UpdateExpr::new()
            .set("a = :a")
            .add("n :one")
            .set("b = if_not_exists(b, :a)")
            .remove("c");
        assert_eq!(
            update.expression(),
            "SET a = :a, b = if_not_exists(b, :a) ADD n :one REMOVE c"
        );
        assert!(update.names().is_none());
    }
}
