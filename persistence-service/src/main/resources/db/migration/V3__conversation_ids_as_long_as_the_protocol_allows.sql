-- A conversation id is the client's, and the protocol allows 128 characters: these columns held 64, and the events
-- of a conversation with a longer id could never be stored.
alter table conversations alter column id type varchar(128);
alter table messages alter column conversation_id type varchar(128);
alter table event_store alter column conversation_id type varchar(128);
alter table deleted_conversations alter column conversation_id type varchar(128);
