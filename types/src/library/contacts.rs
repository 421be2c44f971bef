//! Contact persons of investors and agencies (联系人).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A contact person of an investor or agency (personal data: masked for callers not entitled).
/// 联系人。
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ContactFields {
    /// Name. 姓名。
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    /// Title. 职务。
    #[serde(default)]
    #[schema(max_length = 100)]
    pub title: Option<String>,
    /// Phone. 电话。
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    /// E-mail. 邮箱。
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// WeChat id. 微信。
    #[serde(default)]
    #[schema(max_length = 50)]
    pub wechat: Option<String>,
    /// Notes. 备注。
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    /// Id.
    pub id: String,
    /// The investor or agency.
    pub record_id: String,
    /// Version; send it back as `If-Match`.
    pub version: i64,
    /// Whether phone, e-mail and WeChat are masked for this caller. 是否已脱敏。
    pub masked: bool,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// The fields.
    #[serde(flatten)]
    pub fields: ContactFields,
}
