//! `DeviceStore`: the device row (keys, identity, account, versions,
//! counters), in the SQLite store's byte formats: key pairs as 32 private
//! then 32 public bytes, the account as its protobuf, the cert chain as
//! `wire`'s protobuf, an absent JID as `''`.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row as _};
use wacore::libsignal::protocol::{KeyPair, PrivateKey, PublicKey};
use wacore::store::Device;
use wacore::store::device::account_serde;
use wacore::store::error::{Result, StoreError};
use wacore::store::traits::DeviceStore;

use super::PgBackend;
use crate::engine::postgres::error::Db;
use crate::engine::postgres::wire;

/// The `device` row, as selected by [`SELECT`].
struct DeviceRow {
    lid: String,
    pn: String,
    registration_id: i32,
    noise_key: Vec<u8>,
    identity_key: Vec<u8>,
    signed_pre_key: Vec<u8>,
    signed_pre_key_id: i32,
    signed_pre_key_signature: Vec<u8>,
    adv_secret_key: Vec<u8>,
    account: Option<Vec<u8>>,
    push_name: String,
    app_version_primary: i32,
    app_version_secondary: i32,
    app_version_tertiary: i64,
    app_version_last_fetched_ms: i64,
    edge_routing_info: Option<Vec<u8>>,
    props_hash: Option<String>,
    next_pre_key_id: i32,
    nct_salt: Option<Vec<u8>>,
    server_has_prekeys: bool,
    server_cert_chain: Option<Vec<u8>>,
    login_counter: i32,
    first_unupload_pre_key_id: i32,
    lid_migrated: bool,
    last_signed_pre_key_rotation_ms: i64,
    read_receipts_disabled: bool,
}

impl FromRow<'_, PgRow> for DeviceRow {
    fn from_row(row: &PgRow) -> std::result::Result<Self, sqlx::Error> {
        Ok(Self {
            lid: row.try_get("lid")?,
            pn: row.try_get("pn")?,
            registration_id: row.try_get("registration_id")?,
            noise_key: row.try_get("noise_key")?,
            identity_key: row.try_get("identity_key")?,
            signed_pre_key: row.try_get("signed_pre_key")?,
            signed_pre_key_id: row.try_get("signed_pre_key_id")?,
            signed_pre_key_signature: row.try_get("signed_pre_key_signature")?,
            adv_secret_key: row.try_get("adv_secret_key")?,
            account: row.try_get("account")?,
            push_name: row.try_get("push_name")?,
            app_version_primary: row.try_get("app_version_primary")?,
            app_version_secondary: row.try_get("app_version_secondary")?,
            app_version_tertiary: row.try_get("app_version_tertiary")?,
            app_version_last_fetched_ms: row.try_get("app_version_last_fetched_ms")?,
            edge_routing_info: row.try_get("edge_routing_info")?,
            props_hash: row.try_get("props_hash")?,
            next_pre_key_id: row.try_get("next_pre_key_id")?,
            nct_salt: row.try_get("nct_salt")?,
            server_has_prekeys: row.try_get("server_has_prekeys")?,
            server_cert_chain: row.try_get("server_cert_chain")?,
            login_counter: row.try_get("login_counter")?,
            first_unupload_pre_key_id: row.try_get("first_unupload_pre_key_id")?,
            lid_migrated: row.try_get("lid_migrated")?,
            last_signed_pre_key_rotation_ms: row.try_get("last_signed_pre_key_rotation_ms")?,
            read_receipts_disabled: row.try_get("read_receipts_disabled")?,
        })
    }
}

const SELECT: &str = "SELECT lid, pn, registration_id, noise_key, identity_key, signed_pre_key,
        signed_pre_key_id, signed_pre_key_signature, adv_secret_key, account, push_name,
        app_version_primary, app_version_secondary, app_version_tertiary,
        app_version_last_fetched_ms, edge_routing_info, props_hash, next_pre_key_id, nct_salt,
        server_has_prekeys, server_cert_chain, login_counter, first_unupload_pre_key_id,
        lid_migrated, last_signed_pre_key_rotation_ms, read_receipts_disabled
    FROM device WHERE number = $1 AND id = $2";

/// The insert of a whole row; `INSERT` and `UPSERT` are built on it.
macro_rules! insert_device {
    () => {
        "INSERT INTO device (number, id, lid, pn, registration_id, noise_key,
            identity_key, signed_pre_key, signed_pre_key_id, signed_pre_key_signature,
            adv_secret_key, account, push_name, app_version_primary, app_version_secondary,
            app_version_tertiary, app_version_last_fetched_ms, edge_routing_info, props_hash,
            next_pre_key_id, nct_salt, server_has_prekeys, server_cert_chain, login_counter,
            first_unupload_pre_key_id, lid_migrated, last_signed_pre_key_rotation_ms,
            read_receipts_disabled)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
            $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"
    };
}

/// Inserts the row; fails when the device exists.
const INSERT: &str = insert_device!();

/// Inserts the row or overwrites every column of it.
const UPSERT: &str = concat!(
    insert_device!(),
    " ON CONFLICT (number, id) DO UPDATE SET
        lid = EXCLUDED.lid, pn = EXCLUDED.pn, registration_id = EXCLUDED.registration_id,
        noise_key = EXCLUDED.noise_key, identity_key = EXCLUDED.identity_key,
        signed_pre_key = EXCLUDED.signed_pre_key, signed_pre_key_id = EXCLUDED.signed_pre_key_id,
        signed_pre_key_signature = EXCLUDED.signed_pre_key_signature,
        adv_secret_key = EXCLUDED.adv_secret_key, account = EXCLUDED.account,
        push_name = EXCLUDED.push_name, app_version_primary = EXCLUDED.app_version_primary,
        app_version_secondary = EXCLUDED.app_version_secondary,
        app_version_tertiary = EXCLUDED.app_version_tertiary,
        app_version_last_fetched_ms = EXCLUDED.app_version_last_fetched_ms,
        edge_routing_info = EXCLUDED.edge_routing_info, props_hash = EXCLUDED.props_hash,
        next_pre_key_id = EXCLUDED.next_pre_key_id, nct_salt = EXCLUDED.nct_salt,
        server_has_prekeys = EXCLUDED.server_has_prekeys,
        server_cert_chain = EXCLUDED.server_cert_chain, login_counter = EXCLUDED.login_counter,
        first_unupload_pre_key_id = EXCLUDED.first_unupload_pre_key_id,
        lid_migrated = EXCLUDED.lid_migrated,
        last_signed_pre_key_rotation_ms = EXCLUDED.last_signed_pre_key_rotation_ms,
        read_receipts_disabled = EXCLUDED.read_receipts_disabled"
);

fn key_pair_bytes(pair: &KeyPair) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(64);
    bytes.extend_from_slice(pair.private_key.serialize());
    bytes.extend_from_slice(pair.public_key.public_key_bytes());
    bytes
}

fn key_pair(bytes: &[u8]) -> Result<KeyPair> {
    if bytes.len() != 64 {
        return Err(StoreError::Validation(format!(
            "Invalid KeyPair length: {}",
            bytes.len()
        )));
    }
    let private_key = PrivateKey::deserialize(&bytes[..32])
        .map_err(|e| StoreError::Serialization(Box::new(e)))?;
    let public_key = PublicKey::from_djb_public_key_bytes(&bytes[32..])
        .map_err(|e| StoreError::Serialization(Box::new(e)))?;
    Ok(KeyPair::new(public_key, private_key))
}

/// A JID as the row keeps it; `''` when there is none.
fn jid_text(jid: &Option<impl ToString>) -> String {
    jid.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl PgBackend {
    /// Writes `device` as the row: `statement` is [`INSERT`] or [`UPSERT`].
    async fn put_device(&self, statement: &'static str, device: &Device) -> Result<u64> {
        self.write(
            sqlx::query(statement)
                .bind(&*self.number)
                .bind(self.device_id)
                .bind(jid_text(&device.lid))
                .bind(jid_text(&device.pn))
                .bind(device.registration_id as i32)
                .bind(key_pair_bytes(&device.noise_key))
                .bind(key_pair_bytes(&device.identity_key))
                .bind(key_pair_bytes(&device.signed_pre_key))
                .bind(device.signed_pre_key_id as i32)
                .bind(&device.signed_pre_key_signature[..])
                .bind(&device.adv_secret_key[..])
                .bind(device.account.as_deref().map(account_serde::to_bytes))
                .bind(&device.push_name)
                .bind(device.app_version_primary as i32)
                .bind(device.app_version_secondary as i32)
                .bind(i64::from(device.app_version_tertiary))
                .bind(device.app_version_last_fetched_ms)
                .bind(device.edge_routing_info.as_deref())
                .bind(device.props_hash.as_deref())
                .bind(device.next_pre_key_id as i32)
                .bind(device.nct_salt.as_deref())
                .bind(device.server_has_prekeys)
                .bind(
                    device
                        .server_cert_chain
                        .as_ref()
                        .map(wire::encode_server_cert_chain),
                )
                .bind(device.login_counter)
                .bind(device.first_unupload_pre_key_id as i32)
                .bind(device.lid_migrated)
                .bind(device.last_signed_pre_key_rotation_ms)
                .bind(device.read_receipts_disabled),
        )
        .await
    }

    fn device(&self, row: DeviceRow) -> Result<Device> {
        let signed_pre_key_signature: [u8; 64] =
            row.signed_pre_key_signature.try_into().map_err(|_| {
                StoreError::Validation("Invalid signed_pre_key_signature length".to_string())
            })?;
        let adv_secret_key: [u8; 32] = row
            .adv_secret_key
            .try_into()
            .map_err(|_| StoreError::Validation("Invalid adv_secret_key length".to_string()))?;
        let account = row
            .account
            .map(|data| {
                account_serde::from_bytes(&data).map_err(|e| StoreError::Serialization(Box::new(e)))
            })
            .transpose()?;
        // The cert chain only saves a handshake: a blob that does not decode
        // costs one XX handshake, never the start (as the SQLite store).
        let server_cert_chain = row.server_cert_chain.as_deref().and_then(|bytes| {
            wire::decode_server_cert_chain(bytes)
                .inspect_err(|e| {
                    tracing::warn!(
                        number = %self.number,
                        "server cert chain blob ({} bytes) does not decode ({e}): the next \
                         connect uses XX",
                        bytes.len()
                    );
                })
                .ok()
        });
        Ok(Device {
            pn: (!row.pn.is_empty()).then(|| row.pn.parse().ok()).flatten(),
            lid: (!row.lid.is_empty())
                .then(|| row.lid.parse().ok())
                .flatten(),
            registration_id: row.registration_id as u32,
            noise_key: key_pair(&row.noise_key)?,
            identity_key: key_pair(&row.identity_key)?,
            signed_pre_key: key_pair(&row.signed_pre_key)?,
            signed_pre_key_id: row.signed_pre_key_id as u32,
            signed_pre_key_signature,
            adv_secret_key,
            account: account.map(Arc::new),
            push_name: row.push_name,
            app_version_primary: row.app_version_primary as u32,
            app_version_secondary: row.app_version_secondary as u32,
            app_version_tertiary: row.app_version_tertiary.try_into().unwrap_or(0),
            app_version_last_fetched_ms: row.app_version_last_fetched_ms,
            device_props: Arc::new(wacore::store::device::DEVICE_PROPS.clone()),
            client_profile: wacore::client_profile::ClientProfile::web(),
            edge_routing_info: row.edge_routing_info,
            props_hash: row.props_hash,
            next_pre_key_id: row.next_pre_key_id as u32,
            first_unupload_pre_key_id: row.first_unupload_pre_key_id as u32,
            server_has_prekeys: row.server_has_prekeys,
            nct_salt: row.nct_salt,
            nct_salt_sync_seen: false,
            server_cert_chain,
            login_counter: row.login_counter,
            lid_migrated: row.lid_migrated,
            last_signed_pre_key_rotation_ms: row.last_signed_pre_key_rotation_ms,
            read_receipts_disabled: row.read_receipts_disabled,
        })
    }
}

#[async_trait]
impl DeviceStore for PgBackend {
    async fn save(&self, device: &Device) -> Result<()> {
        self.put_device(UPSERT, device).await.map(drop)
    }

    async fn load(&self) -> Result<Option<Device>> {
        let row: Option<DeviceRow> = sqlx::query_as(SELECT)
            .bind(&*self.number)
            .bind(self.device_id)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.map(|row| self.device(row)).transpose()
    }

    async fn exists(&self) -> Result<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM device WHERE number = $1 AND id = $2)")
            .bind(&*self.number)
            .bind(self.device_id)
            .fetch_one(&self.pool)
            .await
            .db()
    }

    async fn create(&self) -> Result<i32> {
        // A fresh device's row, as the SQLite store writes it: no JIDs, no
        // account, no caches; a second create for the same number fails.
        let fresh = Device::new();
        let fresh = Device {
            pn: None,
            lid: None,
            account: None,
            edge_routing_info: None,
            props_hash: None,
            nct_salt: None,
            server_cert_chain: None,
            login_counter: 0,
            lid_migrated: false,
            read_receipts_disabled: false,
            ..fresh
        };
        self.put_device(INSERT, &fresh).await?;
        Ok(self.device_id)
    }

    async fn resource_report(&self) -> wacore::stats::StorageResourceReport {
        // The credentials live in the database, not in this process.
        wacore::stats::StorageResourceReport {
            memory_bytes: Some(0),
            ..Default::default()
        }
    }
}
