/** Model providers behind Spring AI streaming chat models, chosen per request. */
@NullMarked
package dev.streamchat.orchestrator.provider;

import org.jspecify.annotations.NullMarked;
