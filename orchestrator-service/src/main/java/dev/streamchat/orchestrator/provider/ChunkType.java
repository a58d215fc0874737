package dev.streamchat.orchestrator.provider;

/** The kinds of chunk of protocol v1. */
public enum ChunkType {
    TEXT,
    CODE,
    THINKING,
    TOOL_USE,
    CITATION;

    /** The key under which a provider marks a piece's type in the assistant message's metadata. */
    public static final String METADATA_KEY = "chunkType";
}
