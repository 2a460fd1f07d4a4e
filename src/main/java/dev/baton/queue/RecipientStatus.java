package dev.baton.queue;

/** Where one recipient of a queued message stands. */
public enum RecipientStatus {
    /** Not yet delivered; will be tried (again) at its next attempt time. */
    PENDING,
    /** Delivered; final. */
    DELIVERED,
    /** Failed permanently; final. */
    FAILED;

    public boolean isFinal() {
        return this != PENDING;
    }
}
