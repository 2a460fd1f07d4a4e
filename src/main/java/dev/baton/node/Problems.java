package dev.baton.node;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Exceptions told in words. The file-system exceptions of java.nio carry only a path as their
 * message ("baton: /nonexistent/cert.pem"); an administrator needs to read what went wrong.
 */
public final class Problems {

    private Problems() {
    }

    /** One line for a person: what happened, to which file, and why when the system said so. */
    public static String describe(Throwable e) {
        if (e instanceof FileSystemException f) {
            String what = switch (f) {
                case NoSuchFileException n -> "no such file or directory";
                case AccessDeniedException a -> "permission denied";
                case FileAlreadyExistsException x -> "already exists";
                case NotDirectoryException d -> "not a directory";
                case DirectoryNotEmptyException d -> "directory not empty";
                default -> f.getReason() != null ? f.getReason() : "file system error";
            };
            StringBuilder b = new StringBuilder();
            if (f.getFile() != null) {
                b.append(f.getFile()).append(": ");
            }
            b.append(what);
            if (f.getOtherFile() != null) {
                b.append(" (with ").append(f.getOtherFile()).append(')');
            }
            if (f.getReason() != null && !what.equals(f.getReason())) {
                b.append(" (").append(f.getReason()).append(')');
            }
            return b.toString();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
