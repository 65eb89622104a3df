//! The credential tables, column by column: the one list that deleting a
//! number, importing a SQLite store and fingerprinting a number walk.
//!
//! Each table matches the SQLite store's table of the same name (a test
//! checks both schemas against this list); in PostgreSQL every table also
//! has `number` first.

/// A column's type, as whatsapp-rust's SQLite store reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `INTEGER` read as `i32`.
    Int4,
    /// `BIGINT` read as `i64`.
    Int8,
    /// `BOOLEAN` (0 or 1 in SQLite).
    Bool,
    /// `TEXT`.
    Text,
    /// `BLOB`, `BYTEA` in PostgreSQL.
    Bytes,
}

impl Kind {
    /// The PostgreSQL array type a column of this kind is bound as.
    pub(crate) fn pg_array(self) -> &'static str {
        match self {
            Kind::Int4 => "int4[]",
            Kind::Int8 => "int8[]",
            Kind::Bool => "bool[]",
            Kind::Text => "text[]",
            Kind::Bytes => "bytea[]",
        }
    }

    /// The type `information_schema.columns.data_type` names for it.
    #[cfg(test)]
    pub(crate) fn pg_type(self) -> &'static str {
        match self {
            Kind::Int4 => "integer",
            Kind::Int8 => "bigint",
            Kind::Bool => "boolean",
            Kind::Text => "text",
            Kind::Bytes => "bytea",
        }
    }
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

/// One credential table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        nullable: false,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        nullable: true,
    }
}

use Kind::{Bool, Bytes, Int4, Int8, Text};

/// Every credential table; `device` first, as the others' rows may refer
/// to it.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "device",
        columns: &[
            col("id", Int4),
            col("lid", Text),
            col("pn", Text),
            col("registration_id", Int4),
            col("noise_key", Bytes),
            col("identity_key", Bytes),
            col("signed_pre_key", Bytes),
            col("signed_pre_key_id", Int4),
            col("signed_pre_key_signature", Bytes),
            col("adv_secret_key", Bytes),
            opt("account", Bytes),
            col("push_name", Text),
            col("app_version_primary", Int4),
            col("app_version_secondary", Int4),
            col("app_version_tertiary", Int8),
            col("app_version_last_fetched_ms", Int8),
            opt("edge_routing_info", Bytes),
            opt("props_hash", Text),
            col("next_pre_key_id", Int4),
            opt("nct_salt", Bytes),
            col("server_has_prekeys", Bool),
            opt("server_cert_chain", Bytes),
            col("login_counter", Int4),
            col("first_unupload_pre_key_id", Int4),
            col("lid_migrated", Bool),
            col("last_signed_pre_key_rotation_ms", Int8),
            col("read_receipts_disabled", Bool),
        ],
    },
    Table {
        name: "identities",
        columns: &[
            col("address", Text),
            col("key", Bytes),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "sessions",
        columns: &[
            col("address", Text),
            col("record", Bytes),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "prekeys",
        columns: &[
            col("id", Int4),
            col("key", Bytes),
            col("uploaded", Bool),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "signed_prekeys",
        columns: &[
            col("id", Int4),
            col("record", Bytes),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "sender_keys",
        columns: &[
            col("address", Text),
            col("record", Bytes),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "app_state_keys",
        columns: &[
            col("key_id", Bytes),
            col("key_data", Bytes),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "app_state_versions",
        columns: &[
            col("name", Text),
            col("state_data", Bytes),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "app_state_mutation_macs",
        columns: &[
            col("name", Text),
            col("version", Int8),
            col("index_mac", Bytes),
            col("value_mac", Bytes),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "lid_pn_mapping",
        columns: &[
            col("lid", Text),
            col("phone_number", Text),
            col("created_at", Int8),
            col("learning_source", Text),
            col("updated_at", Int8),
            col("device_id", Int4),
        ],
    },
    Table {
        name: "base_keys",
        columns: &[
            col("address", Text),
            col("message_id", Text),
            col("base_key", Bytes),
            col("device_id", Int4),
            col("created_at", Int4),
        ],
    },
    Table {
        name: "device_registry",
        columns: &[
            col("user_id", Text),
            col("devices_json", Text),
            col("timestamp", Int4),
            opt("phash", Text),
            col("device_id", Int4),
            col("updated_at", Int4),
            opt("raw_id", Int4),
        ],
    },
    Table {
        name: "group_metadata",
        columns: &[
            col("group_jid", Text),
            col("info", Bytes),
            col("device_id", Int4),
            col("updated_at", Int8),
        ],
    },
    Table {
        name: "tc_tokens",
        columns: &[
            col("jid", Text),
            col("token", Bytes),
            col("token_timestamp", Int8),
            opt("sender_timestamp", Int8),
            col("device_id", Int4),
            col("updated_at", Int8),
        ],
    },
    Table {
        name: "sent_messages",
        columns: &[
            col("chat_jid", Text),
            col("message_id", Text),
            col("payload", Bytes),
            col("device_id", Int4),
            col("created_at", Int8),
        ],
    },
    Table {
        name: "sender_key_devices",
        columns: &[
            col("group_jid", Text),
            col("device_jid", Text),
            col("has_key", Int4),
            col("device_id", Int4),
            col("updated_at", Int8),
        ],
    },
    Table {
        name: "msg_secrets",
        columns: &[
            col("chat", Text),
            col("sender", Text),
            col("msg_id", Text),
            col("secret", Bytes),
            col("device_id", Int4),
            col("created_at", Int8),
            col("expires_at", Int8),
            col("message_ts", Int8),
        ],
    },
    Table {
        name: "pending_inbound_messages",
        columns: &[
            col("chat", Text),
            col("sender", Text),
            col("id", Text),
            col("message", Bytes),
            col("device_id", Int4),
            col("inserted_at", Int8),
        ],
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use diesel::{Connection, RunQueryDsl};

    use super::*;
    use crate::engine::postgres::PgEngine;

    /// `(column, nullable)` of each table, in column order.
    type Shape = BTreeMap<String, Vec<(String, bool)>>;

    fn expected(with_number: bool) -> Shape {
        TABLES
            .iter()
            .map(|t| {
                let number = with_number.then(|| ("number".to_string(), false));
                let columns = number
                    .into_iter()
                    .chain(t.columns.iter().map(|c| (c.name.to_string(), c.nullable)))
                    .collect();
                (t.name.to_string(), columns)
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn tables_match_the_migrations_and_the_sqlite_store() {
        let server = mockwa::postgres::PostgresServer::start().expect("start PostgreSQL");
        let engine = PgEngine::connect(&server.url()).await.expect("connect");
        let columns: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
             FROM information_schema.columns WHERE table_schema = 'public'
             ORDER BY table_name, ordinal_position",
        )
        .fetch_all(engine.pool())
        .await
        .expect("columns");
        let mut pg = Shape::new();
        for (table, column, data_type, nullable) in columns {
            if let Some(spec) = TABLES.iter().find(|t| t.name == table)
                && let Some(c) = spec.columns.iter().find(|c| c.name == column)
            {
                assert_eq!(data_type, c.kind.pg_type(), "{table}.{column}");
            }
            pg.entry(table)
                .or_default()
                .push((column, nullable == "YES"));
        }
        for extra in ["owners", "nodes", "registry", migrate_table()] {
            assert!(pg.remove(extra).is_some(), "{extra} exists");
        }
        assert_eq!(pg, expected(true), "PostgreSQL schema");

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("store.db");
        let path = path.to_str().expect("utf-8");
        drop(
            whatsapp_rust::store::SqliteStore::new(path)
                .await
                .expect("a stock store"),
        );
        let mut conn = diesel::SqliteConnection::establish(path).expect("open the store");
        #[derive(diesel::QueryableByName)]
        struct Named {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Info {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Integer)]
            notnull: i32,
        }
        let tables = diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT IN ('__diesel_schema_migrations', 'sqlite_sequence') ORDER BY name",
        )
        .load::<Named>(&mut conn)
        .expect("tables");
        let mut sqlite = Shape::new();
        for Named { name } in tables {
            let info = diesel::sql_query(format!(
                "SELECT name, \"notnull\" FROM pragma_table_info('{name}')"
            ))
            .load::<Info>(&mut conn)
            .expect("columns");
            // INTEGER PRIMARY KEY columns may hold NULL by declaration only.
            let columns = info
                .into_iter()
                .map(|c| {
                    let nullable = c.notnull == 0 && !(name == "device" && c.name == "id");
                    (c.name, nullable)
                })
                .collect();
            sqlite.insert(name, columns);
        }
        assert_eq!(sqlite, expected(false), "SQLite store schema");
    }

    fn migrate_table() -> &'static str {
        crate::engine::postgres::migrate::VERSIONS_TABLE
    }
}
