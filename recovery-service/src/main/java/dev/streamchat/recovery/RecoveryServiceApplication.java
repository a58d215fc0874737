package dev.streamchat.recovery;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Resumes streams from the hot log or the database, checks ownership, audits every recovery. */
@SpringBootApplication
public class RecoveryServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(RecoveryServiceApplication.class, args);
    }
}
