package dev.baton.config;

/** A configuration error a user can fix; the message says where and how. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
