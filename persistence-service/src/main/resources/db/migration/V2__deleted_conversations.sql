-- A deleted conversation stays deleted, also through a replay: its CONVERSATION_DELETED event leaves a tombstone
-- here, and every later (or replayed) event of the conversation is recorded but not applied.
create table deleted_conversations (
    conversation_id varchar(64)  primary key,
    user_id         varchar(128) not null,
    deleted_at      timestamptz  not null
);
