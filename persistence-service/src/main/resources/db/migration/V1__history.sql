-- The read model of conversations, built from chat.message.events and chat.stream.events.
create table conversations (
    id          varchar(64)  primary key,
    user_id     varchar(128) not null,
    title       varchar(200) not null,
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null,
    archived_at timestamptz
);
create index conversations_user_idx on conversations (user_id, updated_at desc);

create table messages (
    id              varchar(80)  primary key,
    conversation_id varchar(64)  not null references conversations (id) on delete cascade,
    user_id         varchar(128) not null,
    role            varchar(16)  not null check (role in ('user', 'assistant')),
    status          varchar(16)  not null
        check (status in ('STREAMING', 'COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED')),
    content         text         not null default '',
    model           varchar(128),
    chunk_count     integer      not null default 0,
    total_chunks    integer,
    -- end offset (in characters) of each chunk in content: a resume from any index works without chunk rows
    chunk_ends      integer[],
    finish_reason   varchar(64),
    token_count     integer,
    content_sha256  varchar(64),
    error_code      varchar(32),
    created_at      timestamptz  not null,
    completed_at    timestamptz,
    content_tsv     tsvector generated always as (to_tsvector('simple', content)) stored
);
create index messages_conversation_idx on messages (conversation_id, created_at);
create index messages_user_idx on messages (user_id);
create index messages_tsv_idx on messages using gin (content_tsv);

create table stream_chunks (
    message_id  varchar(80) not null references messages (id) on delete cascade,
    chunk_index integer     not null,
    content     text        not null,
    chunk_type  varchar(16) not null,
    emitted_at  timestamptz not null,
    primary key (message_id, chunk_index)
);

-- Every event applied, once: a redelivered or replayed event finds its id here and changes nothing.
create table event_store (
    event_id        varchar(64)  primary key,
    event_type      varchar(40)  not null,
    aggregate_id    varchar(80)  not null,
    user_id         varchar(128) not null,
    conversation_id varchar(64),
    message_id      varchar(80),
    occurred_at     timestamptz  not null,
    payload         jsonb        not null,
    recorded_at     timestamptz  not null default now()
);
create index event_store_message_idx on event_store (message_id);
