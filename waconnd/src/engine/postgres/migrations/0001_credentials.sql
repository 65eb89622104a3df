-- Every number's whatsapp-rust credentials, and who may write them.
--
-- Each credential table is the table of the same name in whatsapp-rust's
-- SQLite store (whatsapp-rust-sqlite-storage 0.7.0, src/schema.rs after its
-- 23 migrations): same columns, same types (INTEGER = i32, BIGINT = i64,
-- BYTEA = BLOB, BOOLEAN = Bool), same byte formats, plus `number` in front
-- of the primary key, so one SQLite store file copies in row for row.

-- The node that may write a number's credentials, at which epoch. The lease
-- code claims and renews rows; every credential write checks its row.
CREATE TABLE owners (
    number TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    epoch BIGINT NOT NULL
);

CREATE TABLE device (
    number TEXT NOT NULL,
    id INTEGER NOT NULL,
    lid TEXT NOT NULL,
    pn TEXT NOT NULL,
    registration_id INTEGER NOT NULL,
    noise_key BYTEA NOT NULL,
    identity_key BYTEA NOT NULL,
    signed_pre_key BYTEA NOT NULL,
    signed_pre_key_id INTEGER NOT NULL,
    signed_pre_key_signature BYTEA NOT NULL,
    adv_secret_key BYTEA NOT NULL,
    account BYTEA,
    push_name TEXT NOT NULL,
    app_version_primary INTEGER NOT NULL,
    app_version_secondary INTEGER NOT NULL,
    app_version_tertiary BIGINT NOT NULL,
    app_version_last_fetched_ms BIGINT NOT NULL,
    edge_routing_info BYTEA,
    props_hash TEXT,
    next_pre_key_id INTEGER NOT NULL,
    nct_salt BYTEA,
    server_has_prekeys BOOLEAN NOT NULL,
    server_cert_chain BYTEA,
    login_counter INTEGER NOT NULL,
    first_unupload_pre_key_id INTEGER NOT NULL,
    lid_migrated BOOLEAN NOT NULL,
    last_signed_pre_key_rotation_ms BIGINT NOT NULL,
    read_receipts_disabled BOOLEAN NOT NULL,
    PRIMARY KEY (number, id)
);

CREATE TABLE identities (
    number TEXT NOT NULL,
    address TEXT NOT NULL,
    key BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, address)
);

CREATE TABLE sessions (
    number TEXT NOT NULL,
    address TEXT NOT NULL,
    record BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, address)
);

CREATE TABLE prekeys (
    number TEXT NOT NULL,
    id INTEGER NOT NULL,
    key BYTEA NOT NULL,
    uploaded BOOLEAN NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, id)
);

CREATE TABLE signed_prekeys (
    number TEXT NOT NULL,
    id INTEGER NOT NULL,
    record BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, id)
);

CREATE TABLE sender_keys (
    number TEXT NOT NULL,
    address TEXT NOT NULL,
    record BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, address)
);

CREATE TABLE app_state_keys (
    number TEXT NOT NULL,
    key_id BYTEA NOT NULL,
    key_data BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, key_id)
);

CREATE TABLE app_state_versions (
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    state_data BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, name)
);

CREATE TABLE app_state_mutation_macs (
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    index_mac BYTEA NOT NULL,
    value_mac BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, name, index_mac)
);

-- As in SQLite, a mapping needs its device row and goes with it.
CREATE TABLE lid_pn_mapping (
    number TEXT NOT NULL,
    lid TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    learning_source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, lid),
    FOREIGN KEY (number, device_id) REFERENCES device (number, id) ON DELETE CASCADE
);
CREATE INDEX lid_pn_mapping_phone ON lid_pn_mapping (number, device_id, phone_number);

CREATE TABLE base_keys (
    number TEXT NOT NULL,
    address TEXT NOT NULL,
    message_id TEXT NOT NULL,
    base_key BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (number, device_id, address, message_id)
);

CREATE TABLE device_registry (
    number TEXT NOT NULL,
    user_id TEXT NOT NULL,
    devices_json TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    phash TEXT,
    device_id INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    raw_id INTEGER,
    PRIMARY KEY (number, device_id, user_id)
);

CREATE TABLE group_metadata (
    number TEXT NOT NULL,
    group_jid TEXT NOT NULL,
    info BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (number, device_id, group_jid)
);

CREATE TABLE tc_tokens (
    number TEXT NOT NULL,
    jid TEXT NOT NULL,
    token BYTEA NOT NULL,
    token_timestamp BIGINT NOT NULL,
    sender_timestamp BIGINT,
    device_id INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (number, device_id, jid)
);

CREATE TABLE sent_messages (
    number TEXT NOT NULL,
    chat_jid TEXT NOT NULL,
    message_id TEXT NOT NULL,
    payload BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (number, device_id, chat_jid, message_id)
);
CREATE INDEX sent_messages_created ON sent_messages (number, device_id, created_at);

CREATE TABLE sender_key_devices (
    number TEXT NOT NULL,
    group_jid TEXT NOT NULL,
    device_jid TEXT NOT NULL,
    has_key INTEGER NOT NULL,
    device_id INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (number, device_id, group_jid, device_jid)
);
CREATE INDEX sender_key_devices_device ON sender_key_devices (number, device_id, device_jid);

CREATE TABLE msg_secrets (
    number TEXT NOT NULL,
    chat TEXT NOT NULL,
    sender TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    secret BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    message_ts BIGINT NOT NULL,
    PRIMARY KEY (number, device_id, chat, sender, msg_id)
);
CREATE INDEX msg_secrets_expires ON msg_secrets (number, device_id, expires_at);

CREATE TABLE pending_inbound_messages (
    number TEXT NOT NULL,
    chat TEXT NOT NULL,
    sender TEXT NOT NULL,
    id TEXT NOT NULL,
    message BYTEA NOT NULL,
    device_id INTEGER NOT NULL,
    inserted_at BIGINT NOT NULL,
    PRIMARY KEY (number, device_id, chat, sender, id)
);
CREATE INDEX pending_inbound_inserted ON pending_inbound_messages (number, device_id, inserted_at);
