-- One row per generation (one assistant message). Also the idempotency record of StartStream commands:
-- a redelivered command finds its row and starts nothing.
create table stream_sessions (
    message_id      varchar(64)  primary key,
    request_id      varchar(128) not null,
    user_id         varchar(128) not null,
    conversation_id varchar(64)  not null,
    session_id      varchar(128),
    node_id         varchar(128) not null,
    provider        varchar(32),
    model           varchar(128),
    status          varchar(16)  not null,
    chunk_count     integer      not null default 0,
    token_count     integer,
    finish_reason   varchar(64),
    error_code      varchar(32),
    content_sha256  char(64),
    created_at      timestamptz  not null default now(),
    first_chunk_at  timestamptz,
    finished_at     timestamptz,
    constraint stream_sessions_request_unique unique (user_id, request_id),
    constraint stream_sessions_status_check
        check (status in ('STREAMING', 'COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED'))
);

create index stream_sessions_status_idx on stream_sessions (status) where status = 'STREAMING';
