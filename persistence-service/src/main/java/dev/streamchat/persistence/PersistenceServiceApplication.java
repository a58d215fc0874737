package dev.streamchat.persistence;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Event-sourced history of conversations in PostgreSQL; history, message and search API. */
@SpringBootApplication
public class PersistenceServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(PersistenceServiceApplication.class, args);
    }
}
