package dev.baton.org;

/** A directory that cannot be used: the message names what is wrong and both ends of it. */
public final class DirectoryException extends Exception {
    public DirectoryException(String message) {
        super(message);
    }
}
