-- The nodes sharing this database, and the registry of every number.
--
-- A node renews its row's heartbeat on the database's clock; a node whose
-- heartbeat is older than the takeover time is dead to its peers, which may
-- then claim its numbers (an `owners` row moves to them with a higher
-- epoch). `incarnation` tells two processes of one name apart.
CREATE TABLE nodes (
    name TEXT PRIMARY KEY,
    incarnation TEXT NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    draining BOOLEAN NOT NULL DEFAULT FALSE
);

-- The durable facts of every number, as the embedded engine keeps them in
-- sessions.json: one JSON object a number. Written only by its owner.
CREATE TABLE registry (
    number TEXT PRIMARY KEY,
    entry JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX owners_node ON owners (node);
