package dev.streamchat.session.answer;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** This session node's id in the registry, in events and in commands: its Eureka instance id. */
@Component
public class SessionNode {

    private final String id;

    SessionNode(@Value("${eureka.instance.instance-id:${spring.application.name}}") String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
