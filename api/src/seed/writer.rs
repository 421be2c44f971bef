//! Writes the 衢州 demo: the walk over its data (see [`super::demo`]) with a sink that creates
//! organisations, users, records (through the library's service, as created by the demo
//! administrator), chain nodes, contacts, supply links and an audit row.

use serde_json::Value;
use zhaoshang_types::{ChainNodeFields, ContactFields};

use super::DEMO_ADMIN;
use super::demo::{Demo, Link, Org, Sink, User, checked};
use crate::core::audit;
use crate::core::db::{self, DbConnection};
use crate::core::error::ApiError;
use crate::identity::store as identity;
use crate::library::Resource;
use crate::library::service::insert_record;
use crate::library::store::{self as store, ContactRow, LinkRow, NodeRow};

/// Writes the demo. `hashes` are the users' password hashes, in the order of the data.
pub(super) fn write(
    conn: &mut DbConnection,
    demo: &Demo,
    hashes: Vec<String>,
) -> Result<(), ApiError> {
    demo.walk(&mut Writer {
        conn,
        admin_id: uuid::Uuid::now_v7().to_string(),
        hashes,
    })
}

/// Creates the demo in the database.
struct Writer<'c> {
    conn: &'c mut DbConnection,
    /// The id of the user [`DEMO_ADMIN`], made before the user is (records name their creator).
    admin_id: String,
    hashes: Vec<String>,
}

impl Sink for Writer<'_> {
    fn org(&mut self, org: &Org, parent: Option<String>) -> Result<String, ApiError> {
        let now = db::now();
        let row = identity::OrgRow {
            id: uuid::Uuid::now_v7().to_string(),
            kind: org.kind.as_str().to_owned(),
            name: org.name.clone(),
            region_code: org.region_code.clone(),
            parent_id: parent,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        identity::insert_org(self.conn, &row)?;
        Ok(row.id)
    }

    fn user(&mut self, index: usize, user: &User, org: String) -> Result<(), ApiError> {
        let hash = self
            .hashes
            .get_mut(index)
            .map(std::mem::take)
            .ok_or_else(|| ApiError::internal("a demo user without a password"))?;
        let now = db::now();
        identity::insert_user(
            self.conn,
            &identity::UserRow {
                id: if user.username == DEMO_ADMIN {
                    self.admin_id.clone()
                } else {
                    uuid::Uuid::now_v7().to_string()
                },
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                org_id: org,
                role: user.role.as_str().to_owned(),
                active: true,
                password_hash: hash,
                version: 1,
                created_at: now,
                updated_at: now,
                password_changed_at: now,
            },
        )
    }

    fn record<R: Resource>(&mut self, fields: R::Fields) -> Result<String, ApiError> {
        let fields = checked::<R>(fields)?;
        Ok(insert_record::<R>(self.conn, &fields, Some(self.admin_id.clone()))?.id)
    }

    fn node(&mut self, industry: &str, fields: ChainNodeFields) -> Result<String, ApiError> {
        let now = db::now();
        let mut row = NodeRow {
            id: uuid::Uuid::now_v7().to_string(),
            industry_id: industry.to_owned(),
            parent_id: None,
            name: String::new(),
            position: String::new(),
            key_products: String::new(),
            notes: None,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        row.set_fields(&fields);
        store::insert_node(self.conn, &row)?;
        Ok(row.id)
    }

    fn contact(&mut self, record: &str, fields: &ContactFields) -> Result<(), ApiError> {
        let now = db::now();
        let mut row = ContactRow {
            id: uuid::Uuid::now_v7().to_string(),
            record_id: record.to_owned(),
            name: String::new(),
            title: None,
            phone: None,
            email: None,
            wechat: None,
            notes: None,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        row.set_fields(fields.clone());
        store::insert_contact(self.conn, &row)
    }

    fn link(&mut self, supplier: String, customer: String, link: &Link) -> Result<(), ApiError> {
        store::insert_link(
            self.conn,
            &LinkRow {
                id: uuid::Uuid::now_v7().to_string(),
                supplier_id: supplier,
                customer_id: customer,
                product: link.product.clone(),
                notes: link.notes.clone(),
                created_at: db::now(),
                created_by: None,
                deleted_at: None,
            },
        )
    }

    fn finish(&mut self, counts: Value) -> Result<(), ApiError> {
        audit::record(
            self.conn,
            &audit::Actor::cli(),
            "seed",
            "demo",
            None,
            Some(counts),
        )
    }
}
