//! The directory on the table: staff profiles with their assignments, and contacts with
//! the phone claims that keep a number to one contact per tenant.

use crate::domain::ids::{CustomerId, TenantId, UserId};
use crate::domain::Named;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem,
};

use super::expr::UpdateExpr;
use super::item::{classify, from_item, get_s, internal, keyed_item, s, Item};
use super::transaction::{Part, TransactFailure, Transaction};
use super::DynamoStore;
use crate::domain::directory::{Assignment, Contact, StaffProfile};
use crate::domain::ConversationId;
use crate::store::keys::{self, CONTACT_SK_PREFIX, PK, PROFILE_SK, SK};
use crate::store::{DirectoryStore, StaffReach, StoreError};

/// Transactions hold at most 100 items; a staff member's removal is split into chunks.
const MAX_TRANSACTION_ITEMS: usize = 100;

impl DynamoStore {
    pub(super) fn key_delete(
        &self,
        pk: String,
        sk: String,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .build()
            .map_err(internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}

fn assignment_item(pk: String, sk: String, assignment: &Assignment) -> Result<Item, StoreError> {
    let mut item = keyed_item(pk, sk, assignment)?;
    // An assignment with an end is gone soon after it.
    if let Some(ends) = assignment
        .until
        .as_ref()
        .and_then(|u| u.parse::<jiff::Timestamp>().ok())
    {
        item.insert(
            keys::TTL_ATTRIBUTE.into(),
            AttributeValue::N(ends.as_second().to_string()),
        );
    }
    Ok(item)
}

impl DirectoryStore for DynamoStore {
    async fn put_staff(
        &self,
        tenant: &TenantId,
        profile: &StaffProfile,
    ) -> Result<StaffProfile, StoreError> {
        let update = UpdateExpr::new()
            .set("user_id = :user")
            .set("#name = :name")
            .set("email_notifications = :notify")
            .set("#role = :role")
            .set("created_at = if_not_exists(created_at, :now)")
            .set("updated_at = :now")
            .set("gsi2pk = :directory")
            .set("gsi2sk = :user")
            .name("#name", "name")
            .name("#role", "role")
            .value(":user", s(&profile.user_id))
            .value(":name", s(&profile.name))
            .value(":notify", AttributeValue::Bool(profile.email_notifications))
            .value(":role", s(profile.role.as_str()))
            .value(":now", s(&profile.updated_at))
            .value(
                ":directory",
                s(keys::directory_pk_for(tenant, profile.role)),
            );
        let update = match &profile.email {
            Some(email) => update.set("email = :email").value(":email", s(email)),
            None => update.remove("email"),
        };
        let output = self
            .update_item(
                keys::staff_pk(tenant, &profile.user_id),
                PROFILE_SK,
                &update,
            )
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(classify)?;
        from_item::<StaffProfile>(&output.attributes.unwrap_or_default())
    }

    async fn staff_with_profiles(
        &self,
        tenant: &TenantId,
        users: &[UserId],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let keys = users
            .iter()
            .map(|user| super::key_item(keys::staff_pk(tenant, user), keys::PROFILE_SK))
            .collect();
        Ok(self
            .batch_get(keys, false)
            .await?
            .iter()
            .filter_map(|item| get_s(item, "user_id").map(str::to_owned))
            .collect())
    }

    async fn staff(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<(StaffProfile, Vec<Assignment>)>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::staff_pk(tenant, user)))
            .consistent_read(true);
        let mut profile = None;
        let mut assignments = Vec::new();
        for item in self.query_all(query).await? {
            match get_s(&item, SK) {
                Some(PROFILE_SK) => profile = Some(from_item::<StaffProfile>(&item)?),
                Some(sk) if sk.starts_with(keys::ASSIGN_SK_PREFIX) => {
                    assignments.push(from_item::<Assignment>(&item)?)
                }
                _ => {}
            }
        }
        Ok(profile.map(|profile| (profile, assignments)))
    }

    async fn delete_staff(&self, tenant: &TenantId, user: &UserId) -> Result<bool, StoreError> {
        let reach = self.reach_of(tenant, user).await?;
        if !reach.profile {
            return Ok(false);
        }
        let assignments = reach.assignments;
        let mut deletes = Vec::with_capacity(assignments.len() * 2 + reach.orders.len() * 2 + 1);
        // The open orders they take part in forget them (closed ones keep their history,
        // which a person re-created with the same id does not reach).
        for conversation in &reach.orders {
            deletes.extend(self.participant_removal(tenant, conversation, user)?);
        }
        for assignment in &assignments {
            deletes.push(self.key_delete(
                keys::staff_pk(tenant, user),
                keys::assign_sk(&assignment.customer_id),
            )?);
            deletes.push(self.key_delete(
                keys::customer_pk(tenant, &assignment.customer_id),
                keys::assigned_sk(user),
            )?);
        }
        // The profile goes last, so a failure part-way leaves a profile that a retry
        // removes completely.
        deletes.push(self.key_delete(keys::staff_pk(tenant, user), PROFILE_SK.into())?);
        for chunk in deletes.chunks(MAX_TRANSACTION_ITEMS) {
            let mut removal = Transaction::new();
            removal.extend(Part::Removal, chunk.iter().cloned());
            match self.transact(removal).await {
                Ok(()) => {}
                Err(TransactFailure::Store(err)) => return Err(err),
                Err(TransactFailure::Cancelled(c)) => return Err(c.unavailable()),
            }
        }
        Ok(true)
    }

    async fn reach_of(&self, tenant: &TenantId, user: &UserId) -> Result<StaffReach, StoreError> {
        // Assignments (`ASSIGN#`) and participations (`PART#`) sort before the profile.
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk <= :profile")
            .expression_attribute_values(":pk", s(keys::staff_pk(tenant, user)))
            .expression_attribute_values(":profile", s(keys::PROFILE_SK))
            .consistent_read(true);
        let mut reach = StaffReach::default();
        for item in self.query_all(query).await? {
            match get_s(&item, SK) {
                Some(PROFILE_SK) => reach.profile = true,
                Some(sk) if sk.starts_with(keys::ASSIGN_SK_PREFIX) => {
                    reach.assignments.push(from_item::<Assignment>(&item)?)
                }
                Some(sk) if sk.starts_with(keys::PART_SK_PREFIX) => {
                    if let Some(id) =
                        get_s(&item, "conversation_id").and_then(ConversationId::decode)
                    {
                        reach.orders.push(id);
                    }
                }
                _ => {}
            }
        }
        Ok(reach)
    }

    async fn assignment(
        &self,
        tenant: &TenantId,
        user: &UserId,
        customer: &CustomerId,
    ) -> Result<Option<Assignment>, StoreError> {
        self.get_item(keys::staff_pk(tenant, user), &keys::assign_sk(customer))
            .await?
            .as_ref()
            .map(from_item::<Assignment>)
            .transpose()
    }

    async fn put_assignment(
        &self,
        tenant: &TenantId,
        assignment: &Assignment,
    ) -> Result<(), StoreError> {
        let user = &assignment.user_id;
        let customer = &assignment.customer_id;
        let profile_exists = ConditionCheck::builder()
            .table_name(&self.table)
            .key(PK, s(keys::staff_pk(tenant, user)))
            .key(SK, s(PROFILE_SK))
            .condition_expression(format!("attribute_exists({PK})"))
            .build()
            .map_err(internal)?;
        let put = |pk: String, sk: String| -> Result<TransactWriteItem, StoreError> {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(assignment_item(pk, sk, assignment)?))
                .build()
                .map_err(internal)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        let profile = TransactWriteItem::builder()
            .condition_check(profile_exists)
            .build();
        let items = Transaction::new()
            .with(Part::Profile, profile)
            .with(
                Part::Assignment,
                put(keys::staff_pk(tenant, user), keys::assign_sk(customer))?,
            )
            .with(
                Part::Assignment,
                put(keys::customer_pk(tenant, customer), keys::assigned_sk(user))?,
            );
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(c)) if c.failed(Part::Profile) => {
                Err(StoreError::NotFound)
            }
            Err(TransactFailure::Cancelled(c)) => Err(c.unavailable()),
            Err(TransactFailure::Store(err)) => Err(err),
        }
    }

    async fn delete_assignment(
        &self,
        tenant: &TenantId,
        user: &UserId,
        customer: &CustomerId,
    ) -> Result<bool, StoreError> {
        let staff_side = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(keys::staff_pk(tenant, user)))
            .key(SK, s(keys::assign_sk(customer)))
            .condition_expression(format!("attribute_exists({PK})"))
            .build()
            .map_err(internal)?;
        let customer_side =
            self.key_delete(keys::customer_pk(tenant, customer), keys::assigned_sk(user))?;
        let items = Transaction::new()
            .with(
                Part::Assignment,
                TransactWriteItem::builder().delete(staff_side).build(),
            )
            .with(Part::Removal, customer_side);
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(TransactFailure::Cancelled(c)) if c.failed(Part::Assignment) => Ok(false),
            Err(TransactFailure::Cancelled(c)) => Err(c.unavailable()),
            Err(TransactFailure::Store(err)) => Err(err),
        }
    }

    async fn customer_known(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
    ) -> Result<bool, StoreError> {
        let contacts = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :contact)")
            .expression_attribute_values(":pk", s(keys::customer_pk(tenant, customer)))
            .expression_attribute_values(":contact", s(CONTACT_SK_PREFIX))
            .projection_expression("pk")
            .limit(1)
            .send()
            .await
            .map_err(classify)?;
        if !contacts.items().is_empty() {
            return Ok(true);
        }
        let conversations = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI4)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(keys::customer_feed_pk(tenant, customer)))
            .projection_expression("pk")
            .limit(1)
            .send()
            .await
            .map_err(classify)?;
        Ok(!conversations.items().is_empty())
    }

    async fn put_contact(
        &self,
        tenant: &TenantId,
        contact: &Contact,
    ) -> Result<Contact, StoreError> {
        self.store_contact(tenant, contact).await
    }

    async fn contact(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        contact: &UserId,
    ) -> Result<Option<Contact>, StoreError> {
        self.contact_item(tenant, customer, contact)
            .await?
            .as_ref()
            .map(from_item::<Contact>)
            .transpose()
    }

    async fn delete_contact(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        contact: &UserId,
    ) -> Result<bool, StoreError> {
        self.remove_contact(tenant, customer, contact).await
    }
}
